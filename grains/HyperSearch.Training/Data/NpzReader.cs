using System.IO.Compression;

namespace HyperSearch.Training;

/// <summary>
/// NumPy .npz (a zip of .npy arrays, stored or deflated) holding x_train, y_train, x_test, y_test.
/// Images are (N,H,W), (N,H,W,C) or (N,C,H,W) of any numeric type; labels are class indices (N) or (N,1),
/// or one-hot rows (N,K).
/// </summary>
internal static class NpzReader
{
    private readonly record struct ImageLayout(int Count, int Channels, int Height, int Width, bool ChannelsLast);

    public static DatasetInfo Probe(string path)
    {
        using var zip = Open(path);
        var xTrain = Layout(Header(zip, path, "x_train"));
        var xTest = Layout(Header(zip, path, "x_test"));
        var yTrain = Header(zip, path, "y_train");
        var yTest = Header(zip, path, "y_test");
        CheckLabelShape(yTrain, xTrain.Count, Name(path, "x_train"));
        CheckLabelShape(yTest, xTest.Count, Name(path, "x_test"));
        CheckSameImageShape(path, xTrain, xTest);
        // Index labels need a full read to know the class count; one-hot widths are in the header.
        int classes = yTrain.Shape is [_, var k] && k > 1 ? (int)k : Load(path).Classes;
        return new DatasetInfo(xTrain.Channels, xTrain.Height, xTrain.Width, classes, xTrain.Count, xTest.Count);
    }

    public static RawDataset Load(string path)
    {
        using var zip = Open(path);
        var trainImages = ReadImages(zip, path, "x_train", out var trainLayout);
        var testImages = ReadImages(zip, path, "x_test", out var testLayout);
        CheckSameImageShape(path, trainLayout, testLayout);
        var (trainLabels, trainWidth) = ReadLabels(zip, path, "y_train", trainLayout.Count);
        var (testLabels, testWidth) = ReadLabels(zip, path, "y_test", testLayout.Count);
        if (trainWidth is not null && testWidth is not null && trainWidth != testWidth)
            throw new DatasetException($"{Name(path, "y_test")}: one-hot width {testWidth} but {Name(path, "y_train")} has {trainWidth}; expected the same number of classes");
        // The training labels define the classes: a test label beyond them (11 with ten classes) is refused, never a new class.
        int classes = trainWidth ?? testWidth ?? Math.Max(2, trainLabels.DefaultIfEmpty().Max() + 1);
        foreach (var (labels, key) in new[] { (trainLabels, "y_train"), (testLabels, "y_test") })
        {
            int bad = Array.FindIndex(labels, l => l >= classes);
            if (bad >= 0)
                throw new DatasetException($"{Name(path, key)}: label {labels[bad]} at index {bad} is not one of the training classes 0..{classes - 1}");
        }
        return new RawDataset(
            Make(path, "x_train", "y_train", trainLayout, trainImages, trainLabels),
            Make(path, "x_test", "y_test", testLayout, testImages, testLabels),
            classes);
    }

    private static RawImages Make(string path, string x, string y, ImageLayout l, (byte[]? Bytes, float[]? Floats) images, int[] labels) =>
        new(Name(path, x), l.Count, l.Channels, l.Height, l.Width, images.Bytes, images.Floats, labels, Name(path, y));

    private static ZipArchive Open(string path)
    {
        if (!File.Exists(path))
            throw new DatasetException($"{path}: file not found; expected a NumPy .npz with x_train, y_train, x_test, y_test");
        try
        {
            return ZipFile.OpenRead(path);
        }
        catch (InvalidDataException e)
        {
            throw new DatasetException($"{path}: not a readable .npz (zip) file ({e.Message})", e);
        }
    }

    private static string Name(string path, string key) => $"{path}:{key}.npy";

    private static ZipArchiveEntry Entry(ZipArchive zip, string path, string key) =>
        zip.GetEntry(key + ".npy") ?? zip.GetEntry(key)
        ?? throw new DatasetException($"{path}: has no array '{key}'; expected x_train, y_train, x_test and y_test (found {string.Join(", ", zip.Entries.Select(e => e.FullName))})");

    private static Stream OpenEntry(ZipArchive zip, string path, string key)
    {
        try
        {
            return Entry(zip, path, key).Open();
        }
        catch (InvalidDataException e)
        {
            throw new DatasetException($"{Name(path, key)}: corrupt zip entry ({e.Message})", e);
        }
    }

    private static NpyArray Header(ZipArchive zip, string path, string key)
    {
        using var s = OpenEntry(zip, path, key);
        return NpyArray.ReadHeader(s, Name(path, key));
    }

    private static ImageLayout Layout(NpyArray a)
    {
        static bool IsChannelCount(long n) => n is 1 or 3 or 4;
        var s = a.Shape;
        ImageLayout layout = s switch
        {
            [var n, var h, var w] => new((int)n, 1, (int)h, (int)w, false),
            // Keras' default is channels-last, so a shape that reads both ways (N,3,3,3) is taken as NHWC.
            [var n, var h, var w, var c] when IsChannelCount(c) || !IsChannelCount(h) => new((int)n, (int)c, (int)h, (int)w, true),
            [var n, var c, var h, var w] => new((int)n, (int)c, (int)h, (int)w, false),
            _ => throw new DatasetException($"{a.Name}: shape {a.ShapeText}; expected images as (N,H,W), (N,H,W,C) or (N,C,H,W)"),
        };
        if (layout.Channels is < 1 or > 4 || layout.Height < 1 || layout.Width < 1)
            throw new DatasetException($"{a.Name}: shape {a.ShapeText} does not look like images; expected 1, 3 or 4 channels and positive height and width");
        return layout;
    }

    private static (byte[]?, float[]?) ReadImages(ZipArchive zip, string path, string key, out ImageLayout layout)
    {
        using var s = OpenEntry(zip, path, key);
        var a = NpyArray.ReadHeader(s, Name(path, key));
        var l = layout = Layout(a);
        int pixels = l.Channels * l.Height * l.Width;
        if ((long)l.Count * pixels > Array.MaxLength)
            throw new DatasetException($"{a.Name}: {a.ShapeText} exceeds what one process can hold");
        if (a.IsUInt8)
        {
            var bytes = a.ReadBytes(s);
            DataFiles.ExpectEnd(s, a.Name, $"{a.ElementCount} elements of shape {a.ShapeText}");
            return (l.ChannelsLast && l.Channels > 1 ? ToChannelsFirst(bytes, l) : bytes, null);
        }
        var floats = new float[(long)l.Count * pixels];
        a.ReadBlocks(s, pixels, (image, values) =>
        {
            var dst = floats.AsSpan((int)(image * pixels), pixels);
            for (int i = 0; i < pixels; i++)
            {
                double v = values[i];
                if (!double.IsFinite(v))
                    throw new DatasetException($"{a.Name}: image {image} holds {v}; expected finite pixel values");
                dst[l.ChannelsLast ? ChannelsFirstIndex(i, l) : i] = (float)v;
            }
        });
        DataFiles.ExpectEnd(s, a.Name, $"{a.ElementCount} elements of shape {a.ShapeText}");
        return (null, floats);
    }

    // Element i of an HWC image goes to position c*H*W + h*W + w of the CHW image.
    private static int ChannelsFirstIndex(int i, ImageLayout l)
    {
        int c = i % l.Channels, hw = i / l.Channels;
        return c * l.Height * l.Width + hw;
    }

    private static byte[] ToChannelsFirst(byte[] hwc, ImageLayout l)
    {
        int pixels = l.Channels * l.Height * l.Width;
        var chw = new byte[hwc.Length];
        for (int n = 0; n < l.Count; n++)
        {
            int offset = n * pixels;
            for (int i = 0; i < pixels; i++) chw[offset + ChannelsFirstIndex(i, l)] = hwc[offset + i];
        }
        return chw;
    }

    private static void CheckLabelShape(NpyArray y, int images, string imagesName)
    {
        bool ok = y.Shape is [_] or [_, _];
        if (!ok)
            throw new DatasetException($"{y.Name}: shape {y.ShapeText}; expected class indices (N) or (N,1), or one-hot rows (N,K)");
        if (y.Shape[0] != images)
            throw new DatasetException($"{y.Name}: {y.Shape[0]} labels but {imagesName} has {images} images; expected one label per image");
    }

    /// <summary>Reads labels as class indices; the second value is the one-hot width when they were one-hot.</summary>
    private static (int[] Labels, int? OneHotWidth) ReadLabels(ZipArchive zip, string path, string key, int images)
    {
        using var s = OpenEntry(zip, path, key);
        var a = NpyArray.ReadHeader(s, Name(path, key));
        CheckLabelShape(a, images, Name(path, "x" + key[1..]));
        int width = a.Shape is [_, var k] ? checked((int)k) : 1;
        bool oneHot = width > 1;
        var labels = new int[images];
        if (width == 0) throw new DatasetException($"{a.Name}: shape {a.ShapeText} has no label columns");
        a.ReadBlocks(s, width, (row, values) =>
        {
            if (!oneHot)
            {
                double v = values[0];
                if (v < 0 || v != Math.Floor(v) || v > int.MaxValue)
                    throw new DatasetException($"{a.Name}: label {v} at index {row}; expected a non-negative integer class index");
                labels[row] = (int)v;
                return;
            }
            int hot = -1;
            for (int j = 0; j < width; j++)
            {
                if (values[j] == 0) continue;
                if (values[j] != 1 || hot >= 0)
                    throw new DatasetException($"{a.Name}: row {row} is not one-hot ([{string.Join(", ", values.ToArray())}]); expected a single 1 among {width} columns");
                hot = j;
            }
            if (hot < 0)
                throw new DatasetException($"{a.Name}: row {row} is all zeros; expected a single 1 among {width} columns");
            labels[row] = hot;
        });
        DataFiles.ExpectEnd(s, a.Name, $"{a.ElementCount} elements of shape {a.ShapeText}");
        return (labels, oneHot ? width : null);
    }

    private static void CheckSameImageShape(string path, ImageLayout train, ImageLayout test)
    {
        if (train.Channels != test.Channels || train.Height != test.Height || train.Width != test.Width)
            throw new DatasetException($"{Name(path, "x_test")}: images are {test.Channels}×{test.Height}×{test.Width} (C×H×W) but {Name(path, "x_train")} has {train.Channels}×{train.Height}×{train.Width}; expected the same shape");
    }
}
