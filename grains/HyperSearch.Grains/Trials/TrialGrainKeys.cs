namespace HyperSearch.Grains.Trials;

public static class TrialGrainKeys
{
    /// <summary>One activation per attempt, so a retried trial never meets its dead predecessor's activation.</summary>
    public static string For(string searchId, int trialNumber, int attempt, WorkKind kind) =>
        kind == WorkKind.Train ? $"{searchId}/{trialNumber}/{attempt}" : $"{searchId}/{trialNumber}/test-{attempt}";
}
