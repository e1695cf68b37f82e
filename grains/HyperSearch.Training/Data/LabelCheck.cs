namespace HyperSearch.Training;

/// <summary>Refuses labels a classifier cannot learn or be scored on: a class with no training image (a gap in
/// integer labels, an unused one-hot column), and test labels of a class the training split never shows.</summary>
internal static class LabelCheck
{
    public static void Verify(RawDataset raw)
    {
        var counts = new int[raw.Classes];
        foreach (var label in raw.Train.Labels)
        {
            counts[label]++;
        }

        for (int i = 0; i < raw.Test.Count; i++)
        {
            int label = raw.Test.Labels[i];
            if (label >= raw.Classes || counts[label] == 0)
                throw new DatasetException($"{raw.Test.LabelSource}: label {label} at index {i} is a class the training split never shows " +
                                           $"(training classes: {Present(counts)}); a model cannot learn it and its test accuracy would mislead");
        }

        int missing = Array.IndexOf(counts, 0);
        if (missing >= 0)
            throw new DatasetException($"{raw.Train.LabelSource}: class {missing} of 0..{raw.Classes - 1} has no training image (present: {Present(counts)}); " +
                                       "labels must be 0..K-1 with every class present (one-hot: no unused column)");
    }

    private static string Present(int[] counts)
    {
        var present = Enumerable.Range(0, counts.Length).Where(c => counts[c] > 0).ToList();
        return present.Count == 0 ? "none" : string.Join(", ", present);
    }
}
