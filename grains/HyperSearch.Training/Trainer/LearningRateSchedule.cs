namespace HyperSearch.Training;

/// <summary>
/// The factor on the configured learning rate before optimizer step <c>step</c> (0-based) of
/// <c>totalSteps</c> planned. A function of the step count alone: the optimizer's step count is in every
/// checkpoint, so a resumed trial continues the schedule where it stopped.
/// </summary>
public static class LearningRateSchedule
{
    // PyTorch OneCycleLR defaults (pct_start, div_factor, final_div_factor), cosine annealing.
    private const double WarmUpShare = 0.3, StartDivisor = 25, FinalDivisor = 1e4;

    public static double Factor(LrSchedule schedule, long step, long totalSteps)
    {
        if (schedule == LrSchedule.Constant || totalSteps <= 1) return 1;
        double last = totalSteps - 1, t = Math.Clamp(step / last, 0, 1);
        switch (schedule)
        {
            case LrSchedule.Cosine:
                return 0.5 * (1 + Math.Cos(Math.PI * t));
            case LrSchedule.OneCycle:
                double start = 1 / StartDivisor, end = start / FinalDivisor;
                double peak = Math.Floor(WarmUpShare * last);
                if (step <= peak)
                    return peak == 0 ? 1 : Anneal(start, 1, step / peak);
                return Anneal(1, end, Math.Clamp((step - peak) / (last - peak), 0, 1));
            default:
                throw new ArgumentOutOfRangeException(nameof(schedule), schedule, null);
        }
    }

    // Cosine interpolation from a (p = 0) to b (p = 1).
    private static double Anneal(double a, double b, double p) => b + (a - b) * 0.5 * (1 + Math.Cos(Math.PI * p));
}
