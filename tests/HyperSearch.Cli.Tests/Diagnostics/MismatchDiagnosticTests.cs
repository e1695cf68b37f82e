using System.IO.Compression;
using System.Text;
using HyperSearch.Contracts.Trials;
using HyperSearch.Diagnostics;
using HyperSearch.Training;

namespace HyperSearch.Cli.Tests.Diagnostics;

/// <summary>The preprocessing-mismatch diagnostic on a real .npz whose training split is scaled to [0,1] and test split left in [0,255].</summary>
public sealed class MismatchDiagnosticTests
{
    [Fact]
    public async Task Splits_scaled_differently_are_diagnosed_with_the_engines_message_and_a_plain_suggestion()
    {
        var npz = WriteNpz(trainScale: 1 / 255f, testScale: 1f);

        // The training engine refuses the data; a trial reports its message as the failure reason.
        var refused = Assert.Throws<PreprocessingMismatchException>(() => DatasetCatalog.Load(new DatasetOptions("npz", npz)));
        var trials = new[] { 0, 1 }.Select(n => new TrialRecord(n, new Dictionary<string, object> { ["dropout"] = 0.2 }, TrialState.Failed, 1, [],
            refused.Message, null, "w", DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch, null)).ToList();

        var findings = SearchDiagnostics.Check(trials, classes: 10);

        var search = Assert.Single(findings, f => f.Kind == Finding.PreprocessingMismatch && f.Trial is null);
        Assert.Contains("test split", search.Message);
        Assert.Contains("Normalize every split the same way", search.Suggestion);
        Assert.Equal(2, findings.Count(f => f.Kind == Finding.PreprocessingMismatch && f.Trial is not null));

        // Through the CLI, the same data is refused before any trial runs, with the engine's explanation.
        var spec = CliRunner.WriteSpec($"""
            name: mismatch
            dataset:
              name: npz
              path: {npz}
              validation_fraction: 0.2
            search:
              max_trials: 1
            training:
              epochs: 1
              conv1_filters: 4
              conv2_filters: 4
              dense_units: 8
            """);
        var runs = Path.Combine(Path.GetTempPath(), $"hs-mismatch-{Guid.NewGuid():N}");
        var run = await CliRunner.RunAsync("run", spec, "--json", "--run-dir", runs, "--id", "mismatch");
        Assert.True(run.ExitCode == 2, $"exit {run.ExitCode} (expected 2, bad input)\n{run.Stdout}\n{run.Stderr}");
        Assert.Contains("disagrees in scale", run.Stderr);
        Assert.Contains("nothing was started", run.Stderr.Split('\n')[0]);
        // No trial ran: --json prints one summary line once a search ends, and nothing before it.
        Assert.Equal("", run.Stdout);
        // Nothing was left behind: no run directory, no spec copy, no checkpoints.
        Assert.False(Directory.Exists(runs), $"{runs} was created for a search that never started");
    }

    [Fact]
    public void Splits_scaled_the_same_way_load_and_raise_no_mismatch()
    {
        var npz = WriteNpz(trainScale: 1 / 255f, testScale: 1 / 255f);
        var data = DatasetCatalog.Load(new DatasetOptions("npz", npz));
        Assert.Equal(10, data.Info.Classes);
    }

    /// <summary>A learnable 10-class set of 16×16 float32 images in an .npz (x_train, y_train, x_test, y_test).</summary>
    internal static string WriteNpz(float trainScale, float testScale, int train = 200, int test = 50)
    {
        var path = Path.Combine(Path.GetTempPath(), $"hs-mismatch-{Guid.NewGuid():N}.npz");
        using var zip = ZipFile.Open(path, ZipArchiveMode.Create);
        var (xTrain, yTrain) = Images(train, 1, trainScale);
        var (xTest, yTest) = Images(test, 2, testScale);
        Add(zip, "x_train", "<f4", $"({train}, 16, 16)", MemoryMarshalBytes(xTrain));
        Add(zip, "y_train", "|u1", $"({train},)", yTrain);
        Add(zip, "x_test", "<f4", $"({test}, 16, 16)", MemoryMarshalBytes(xTest));
        Add(zip, "y_test", "|u1", $"({test},)", yTest);
        return path;
    }

    internal static (float[] Pixels, byte[] Labels) Images(int count, int seed, float scale)
    {
        var random = new Random(seed);
        var pixels = new float[count * 256];
        var labels = new byte[count];
        for (var n = 0; n < count; n++)
        {
            var label = n % 10;
            labels[n] = (byte)label;
            for (var i = 0; i < 256; i++)
            {
                var lit = i / 16 == label;
                pixels[n * 256 + i] = ((lit ? 200 : 30) + random.Next(-20, 21)) * scale;
            }
        }

        return (pixels, labels);
    }

    private static byte[] MemoryMarshalBytes(float[] values)
    {
        var bytes = new byte[values.Length * 4];
        Buffer.BlockCopy(values, 0, bytes, 0, bytes.Length);
        return bytes;
    }

    /// <summary>One .npy (format 1.0): magic, header length, a Python dict literal padded to 64 bytes, the data.</summary>
    private static void Add(ZipArchive zip, string name, string descr, string shape, byte[] data)
    {
        var dict = $"{{'descr': '{descr}', 'fortran_order': False, 'shape': {shape}, }}";
        var total = 10 + dict.Length + 1;
        var header = dict + new string(' ', (64 - total % 64) % 64) + "\n";
        using var stream = zip.CreateEntry(name + ".npy", CompressionLevel.NoCompression).Open();
        stream.Write([0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', 1, 0]);
        stream.Write(BitConverter.GetBytes((ushort)header.Length));
        stream.Write(Encoding.ASCII.GetBytes(header));
        stream.Write(data);
    }
}
