namespace HyperSearch.Grains.Trials;

public static class TrialGrainKeys
{
    /// <summary>The trial grain of one training slot is keyed by the slot's worker name, "{silo name}/slot{n}": one
    /// long-lived activation per slot runs its attempts one after another (no activation per trial).</summary>
    public static string ForSlot(string siloName, int slot) => $"{siloName}/slot{slot}";

    /// <summary>Whether a slot's trial grain is on its own silo (it can be activated elsewhere only by a late call
    /// addressed to a slot whose silo is gone).</summary>
    public static bool IsOnSilo(string slotKey, string siloName) => slotKey.StartsWith(siloName + "/", StringComparison.Ordinal);

    /// <summary>The silo name in a slot's worker name.</summary>
    public static string SiloOf(string slotKey) => slotKey[..Math.Max(0, slotKey.LastIndexOf('/'))];

    /// <summary>Names one attempt (for the silo's list of running attempts).</summary>
    public static string ForAttempt(string searchId, int trialNumber, int attempt, WorkKind kind) =>
        kind == WorkKind.Train ? $"{searchId}/{trialNumber}/{attempt}" : $"{searchId}/{trialNumber}/test-{attempt}";
}
