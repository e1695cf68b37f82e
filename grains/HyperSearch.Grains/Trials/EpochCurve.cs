namespace HyperSearch.Grains.Trials;

/// <summary>A trial's curve: its epochs in epoch order, each epoch once.</summary>
internal static class EpochCurve
{
    /// <summary>Places an epoch by its number, not its position: a re-reported epoch (an attempt resumed from its
    /// checkpoint) replaces that epoch and every later one, and a curve may have a gap (an epoch checkpointed by an
    /// attempt that died before reporting it, resumed past by a runner that reports only its new epochs). What it
    /// replaces is at the curve's end, so it is searched from there, with no predicate allocated per report.</summary>
    public static void Place(List<EpochMetrics> curve, EpochMetrics epoch)
    {
        var from = curve.Count;
        while (from > 0 && curve[from - 1].Epoch >= epoch.Epoch)
        {
            from--;
        }

        curve.RemoveRange(from, curve.Count - from);
        curve.Add(epoch);
    }
}
