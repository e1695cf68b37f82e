namespace HyperSearch.Training;

/// <summary>MNIST and Fashion-MNIST: four IDX files (train/t10k images and labels) in one directory.</summary>
internal static class IdxDataset
{
    public const int Classes = 10;

    private sealed record Files(string TrainImages, string TrainLabels, string TestImages, string TestLabels);

    public static DatasetInfo Probe(string name, string directory)
    {
        var files = Locate(name, directory);
        var train = IdxReader.ReadImageHeader(files.TrainImages);
        var test = IdxReader.ReadImageHeader(files.TestImages);
        CheckCount(files.TrainLabels, IdxReader.ReadLabelCount(files.TrainLabels), files.TrainImages, train.Count);
        CheckCount(files.TestLabels, IdxReader.ReadLabelCount(files.TestLabels), files.TestImages, test.Count);
        CheckSameShape(files, train, test);
        return new DatasetInfo(1, train.Rows, train.Columns, Classes, train.Count, test.Count);
    }

    public static RawDataset Load(string name, string directory)
    {
        var files = Locate(name, directory);
        var trainPixels = IdxReader.ReadImages(files.TrainImages, out var train);
        var trainLabels = IdxReader.ReadLabels(files.TrainLabels, Classes);
        CheckCount(files.TrainLabels, trainLabels.Length, files.TrainImages, train.Count);
        var testPixels = IdxReader.ReadImages(files.TestImages, out var test);
        var testLabels = IdxReader.ReadLabels(files.TestLabels, Classes);
        CheckCount(files.TestLabels, testLabels.Length, files.TestImages, test.Count);
        CheckSameShape(files, train, test);
        return new RawDataset(
            new RawImages(files.TrainImages, train.Count, 1, train.Rows, train.Columns, trainPixels, null, trainLabels, files.TrainLabels),
            new RawImages(files.TestImages, test.Count, 1, test.Rows, test.Columns, testPixels, null, testLabels, files.TestLabels),
            Classes);
    }

    private static Files Locate(string name, string directory)
    {
        if (!Directory.Exists(directory))
            throw new DatasetException($"{directory}: directory not found; expected the {name} IDX files there{InstallHint(name)}");
        return new Files(
            Find(name, directory, "train", "images", "idx3"),
            Find(name, directory, "train", "labels", "idx1"),
            Find(name, directory, "t10k", "images", "idx3"),
            Find(name, directory, "t10k", "labels", "idx1"));
    }

    // The canonical names, with and without .gz, plus the dotted variant some mirrors use.
    private static string Find(string name, string directory, string split, string kind, string idx) =>
        DataFiles.FirstExisting(directory,
            $"{split}-{kind}-{idx}-ubyte.gz", $"{split}-{kind}-{idx}-ubyte", $"{split}-{kind}.{idx}-ubyte", $"{split}-{kind}.{idx}-ubyte.gz")
        ?? throw new DatasetException($"{Path.Combine(directory, $"{split}-{kind}-{idx}-ubyte.gz")}: file not found (nor without .gz); expected the {name} IDX file{InstallHint(name)}");

    private static string InstallHint(string name) =>
        name == DatasetCatalog.FashionMnist ? " (Debian: apt-get install dataset-fashion-mnist)" : "";

    private static void CheckCount(string labelsPath, int labels, string imagesPath, int images)
    {
        if (labels != images)
            throw new DatasetException($"{labelsPath}: {labels} labels but {imagesPath} has {images} images; expected one label per image");
    }

    private static void CheckSameShape(Files files, IdxReader.ImageHeader train, IdxReader.ImageHeader test)
    {
        if (train.Rows != test.Rows || train.Columns != test.Columns)
            throw new DatasetException($"{files.TestImages}: images are {test.Rows}×{test.Columns} but {files.TrainImages} has {train.Rows}×{train.Columns}; expected the same size");
    }
}
