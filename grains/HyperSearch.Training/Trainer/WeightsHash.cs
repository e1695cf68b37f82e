using System.Security.Cryptography;
using System.Text;
using static TorchSharp.torch;

namespace HyperSearch.Training;

/// <summary>SHA-256 over a model's tensors (names, dtypes, shapes, bytes) in checkpoint order: equal hashes mean
/// equal weights, whether they are read from a checkpoint file or from a live model.</summary>
public static class WeightsHash
{
    /// <summary>The hash of the model tensors in the checkpoint in <paramref name="directory"/>.</summary>
    public static string OfCheckpoint(string directory) => Hash(writer => Checkpoint.CopyModelTensors(directory, writer));

    internal static string Of(nn.Module module) => Hash(writer => TensorIO.WriteModule(writer, module));

    private static string Hash(Action<BinaryWriter> write)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        using (var writer = new BinaryWriter(new HashingStream(hash), Encoding.UTF8))
        {
            write(writer);
        }

        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    /// <summary>A write-only stream feeding a hash, so a large model is hashed without a copy in memory.</summary>
    private sealed class HashingStream(IncrementalHash hash) : Stream
    {
        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => hash.AppendData(buffer, offset, count);
        public override void Write(ReadOnlySpan<byte> buffer) => hash.AppendData(buffer);
    }
}
