using static TorchSharp.torch;

namespace HyperSearch.Training;

/// <summary>
/// Writes tensors as (dtype, shape, contiguous bytes) and reads them back into existing tensors with
/// copy_, which keeps the target's device and memory layout. TorchSharp's own Module.save and optimizer
/// state_dict refuse non-contiguous (channels-last) tensors.
/// </summary>
internal static class TensorIO
{
    public static void Write(BinaryWriter writer, Tensor tensor)
    {
        using var contiguous = tensor.detach().cpu().contiguous();
        writer.Write((int)contiguous.dtype);
        writer.Write(contiguous.shape.Length);
        foreach (long d in contiguous.shape) writer.Write(d);
        var bytes = contiguous.bytes;
        writer.Write(bytes.Length);
        writer.Write(bytes);
    }

    public static void ReadInto(BinaryReader reader, Tensor target, string name)
    {
        var dtype = (ScalarType)reader.ReadInt32();
        var shape = new long[reader.ReadInt32()];
        for (int i = 0; i < shape.Length; i++) shape[i] = reader.ReadInt64();
        int length = reader.ReadInt32();
        var data = reader.ReadBytes(length);
        if (data.Length != length) throw new InvalidDataException($"{name}: truncated tensor data");
        if (dtype != target.dtype || !shape.SequenceEqual(target.shape))
            throw new InvalidDataException($"{name}: saved as {dtype} [{string.Join(", ", shape)}], expected {target.dtype} [{string.Join(", ", target.shape)}]");
        using var source = empty(shape, dtype);
        source.bytes = data;
        using var _ = no_grad();
        target.copy_(source);
    }

    /// <summary>Every parameter and buffer of a module by name.</summary>
    public static void WriteModule(BinaryWriter writer, nn.Module module)
    {
        var state = module.state_dict();
        writer.Write(state.Count);
        foreach (var (name, tensor) in state)
        {
            writer.Write(name);
            Write(writer, tensor);
        }
    }

    public static void ReadModule(BinaryReader reader, nn.Module module)
    {
        var state = module.state_dict();
        int count = reader.ReadInt32();
        if (count != state.Count) throw new InvalidDataException($"checkpoint holds {count} model tensors, the model has {state.Count}");
        for (int i = 0; i < count; i++)
        {
            var name = reader.ReadString();
            if (!state.TryGetValue(name, out var target)) throw new InvalidDataException($"checkpoint tensor '{name}' is not part of the model");
            ReadInto(reader, target, name);
        }
    }

    /// <summary>Copies a module section written by <see cref="WriteModule"/> from <paramref name="reader"/> to
    /// <paramref name="writer"/> unchanged, so a checkpoint's weights hash as the live module's do.</summary>
    public static void CopyModule(BinaryReader reader, BinaryWriter writer)
    {
        int count = reader.ReadInt32();
        writer.Write(count);
        for (int i = 0; i < count; i++)
        {
            writer.Write(reader.ReadString());
            writer.Write(reader.ReadInt32());
            int rank = reader.ReadInt32();
            writer.Write(rank);
            for (int d = 0; d < rank; d++) writer.Write(reader.ReadInt64());
            int length = reader.ReadInt32();
            var data = reader.ReadBytes(length);
            if (data.Length != length) throw new InvalidDataException("truncated tensor data");
            writer.Write(length);
            writer.Write(data);
        }
    }
}
