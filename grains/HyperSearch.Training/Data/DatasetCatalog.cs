using System.Collections.Concurrent;

namespace HyperSearch.Training;

/// <summary>
/// The datasets a search can name, and the per-process cache that makes every trial share one decoded,
/// normalized copy of each (options are the cache key; a failed load is not cached, so a fixed file can
/// be retried).
/// </summary>
public static class DatasetCatalog
{
    public const string FashionMnist = "fashion-mnist";
    public const string Mnist = "mnist";
    public const string Cifar10 = "cifar10";
    public const string Npz = "npz";

    /// <summary>Where Debian's dataset-fashion-mnist package puts the four IDX files.</summary>
    public const string DefaultFashionMnistPath = "/usr/share/datasets/fashion-mnist";

    private static readonly ConcurrentDictionary<DatasetOptions, Lazy<PreparedDataset>> Prepared = new();

    /// <summary>The one definition of the named datasets: the spec checker, the runners and the CLI all read it.</summary>
    public static IReadOnlyList<DatasetKind> Kinds { get; } =
    [
        new(FashionMnist, ["fashion_mnist", "fashionmnist"], new DatasetInfo(1, 28, 28, 10, 60000, 10000), DefaultFashionMnistPath, [FashionMnist]),
        new(Mnist, [], new DatasetInfo(1, 28, 28, 10, 60000, 10000), null, [Mnist]),
        new(Cifar10, ["cifar-10", "cifar_10"], new DatasetInfo(3, 32, 32, 10, 50000, 10000), null, [Cifar10, "cifar-10", "cifar-10-batches-bin"]),
        new(Npz, [], null, null, [Npz]),
    ];

    public static IReadOnlyList<string> Names { get; } = Kinds.Select(k => k.Name).ToList();

    /// <summary>The dataset a spec names exactly (canonical name), or null.</summary>
    public static DatasetKind? Find(string? name) => Kinds.FirstOrDefault(k => k.Name == name);

    /// <summary>The dataset a name means, accepting aliases and any case, or null.</summary>
    public static DatasetKind? Resolve(string? name)
    {
        var key = name?.Trim().ToLowerInvariant() ?? "";
        return Kinds.FirstOrDefault(k => k.Name == key || k.Aliases.Contains(key));
    }

    /// <summary>The format of data given as a path: a folder holds the files of <paramref name="folderDataset"/>; a
    /// file is CIFAR-10's .tar.gz or an .npz.</summary>
    public static string FormatOfPath(string path, string folderDataset) =>
        Directory.Exists(path) ? folderDataset
        : path.EndsWith(".tar.gz", StringComparison.OrdinalIgnoreCase) || path.EndsWith(".tgz", StringComparison.OrdinalIgnoreCase) ? Cifar10
        : Npz;

    /// <summary>
    /// Checks the files exist and reads their headers and sizes (decoding only where a format gives no
    /// other way, e.g. class indices in an .npz). Throws <see cref="DatasetException"/>.
    /// </summary>
    public static DatasetInfo Probe(DatasetOptions options)
    {
        var o = Normalize(options);
        return o.Name switch
        {
            FashionMnist or Mnist => IdxDataset.Probe(o.Name, o.Path!),
            Cifar10 => CifarReader.Probe(o.Path!),
            _ => NpzReader.Probe(o.Path!),
        };
    }

    /// <summary>
    /// Decodes, splits, normalizes and scale-checks a dataset once per process and options; concurrent
    /// callers with equal options wait for the same load. Throws <see cref="DatasetException"/> or
    /// <see cref="PreprocessingMismatchException"/>.
    /// </summary>
    public static PreparedDataset Load(DatasetOptions options)
    {
        var key = Normalize(options);
        var lazy = Prepared.GetOrAdd(key, k => new Lazy<PreparedDataset>(() => DatasetPreparer.Prepare(k, Decode(k)), LazyThreadSafetyMode.ExecutionAndPublication));
        try
        {
            return lazy.Value;
        }
        catch
        {
            Prepared.TryRemove(new KeyValuePair<DatasetOptions, Lazy<PreparedDataset>>(key, lazy));
            throw;
        }
    }

    internal static RawDataset Decode(DatasetOptions o) => o.Name switch
    {
        FashionMnist or Mnist => IdxDataset.Load(o.Name, o.Path!),
        Cifar10 => CifarReader.Load(o.Path!),
        _ => NpzReader.Load(o.Path!),
    };

    /// <summary>Validates options and resolves the path, so equal datasets get equal cache keys.</summary>
    internal static DatasetOptions Normalize(DatasetOptions o)
    {
        var kind = Resolve(o.Name)
            ?? throw new DatasetException($"dataset '{o.Name}': unknown name; expected one of {string.Join(", ", Names)}");
        var name = kind.Name;
        var path = o.Path ?? kind.DefaultPath
            ?? throw new DatasetException($"dataset '{name}': no path given; expected {(name == Npz ? "the .npz file" : "the directory holding its files")}");
        if (!(o.ValidationFraction >= 0 && o.ValidationFraction < 1))
            throw new DatasetException($"dataset '{name}': validation fraction {o.ValidationFraction}; expected a value in [0, 1)");
        if (o.TrainSubset is not null && o.TrainSubsetFraction is not null)
            throw new DatasetException($"dataset '{name}': both a training subset count and a fraction were given; expected at most one");
        if (o.TrainSubset is < 1)
            throw new DatasetException($"dataset '{name}': training subset {o.TrainSubset}; expected at least 1 image");
        if (o.TrainSubsetFraction is { } f && !(f > 0 && f <= 1))
            throw new DatasetException($"dataset '{name}': training subset fraction {f}; expected a value in (0, 1]");
        return o with { Name = name, Path = System.IO.Path.GetFullPath(path) };
    }
}
