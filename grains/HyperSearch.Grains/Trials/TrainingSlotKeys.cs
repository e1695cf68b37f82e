namespace HyperSearch.Grains.Trials;

/// <summary>Keys of <see cref="TrainingSlotGrain"/>: one grain per training slot, named after the slot.</summary>
public static class TrainingSlotKeys
{
    /// <summary>The grain of one training slot is keyed by the slot's worker name, "{silo name}/slot{n}": one
    /// long-lived activation per slot runs its attempts one after another (no activation per trial).</summary>
    public static string ForSlot(string siloName, int slot) => $"{siloName}/slot{slot}";

    /// <summary>Whether a slot's grain is on its own silo (it can be activated elsewhere only by a late call
    /// addressed to a slot whose silo is gone).</summary>
    public static bool IsOnSilo(string slotKey, string siloName) => slotKey.StartsWith(siloName + "/", StringComparison.Ordinal);

    /// <summary>The silo name in a slot's worker name.</summary>
    public static string SiloOf(string slotKey) => slotKey[..Math.Max(0, slotKey.LastIndexOf('/'))];

    /// <summary>Names one attempt by its lease token (for the silo's list of running attempts).</summary>
    public static string ForAttempt(string searchId, int trialNumber, int leaseToken, WorkKind kind) =>
        kind == WorkKind.Train ? $"{searchId}/{trialNumber}/{leaseToken}" : $"{searchId}/{trialNumber}/test-{leaseToken}";
}
