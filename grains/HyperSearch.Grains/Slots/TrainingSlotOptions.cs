namespace HyperSearch.Grains.Slots;

/// <summary>Whether this silo trains, and how many trials it runs at once (configuration section HyperSearch:Training).</summary>
public sealed class TrainingSlotOptions
{
    /// <summary>A silo configured without training (a coordinator-only node) never runs a trial.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Concurrent trials on this silo: one per GPU; on CPU one by default, using every core.</summary>
    public int Slots { get; set; } = 1;

    /// <summary>How long an idle slot parks on the registry before asking again.</summary>
    public TimeSpan IdlePoll { get; set; } = TimeSpan.FromSeconds(10);
}
