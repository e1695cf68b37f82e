namespace HyperSearch.Contracts.Trials;

/// <summary>One exploit of Population Based Training: at <paramref name="Epoch"/> this trial took over
/// <paramref name="Donor"/>'s checkpoint (weights and optimizer state) and configuration, then explored.</summary>
/// <param name="DonorLeaseToken">The donor attempt whose interval snapshot was cloned.</param>
/// <param name="NewValues">The explored knobs' new values (the rest of the configuration is the donor's).</param>
/// <param name="Operations">Per explored knob: "perturb x0.8", "perturb x1.2" or "resample".</param>
/// <param name="Score">This trial's objective at the interval, before it was replaced.</param>
/// <param name="DonorScore">The donor's objective at the interval.</param>
/// <param name="DonorWeightsHash">SHA-256 of the donor snapshot's model tensors, computed by the attempt that cloned it.</param>
/// <param name="LoadedWeightsHash">SHA-256 of the model tensors that attempt loaded, before its first training step.</param>
[GenerateSerializer, Immutable, Alias("HyperSearch.LineageEntry")]
public sealed record LineageEntry(
    [property: Id(0)] int Epoch,
    [property: Id(1)] int Donor,
    [property: Id(2)] int DonorLeaseToken,
    [property: Id(3)] IReadOnlyDictionary<string, object> NewValues,
    [property: Id(4)] IReadOnlyDictionary<string, string> Operations,
    [property: Id(5)] double? Score,
    [property: Id(6)] double? DonorScore,
    [property: Id(7)] string? DonorWeightsHash = null,
    [property: Id(8)] string? LoadedWeightsHash = null)
{
    /// <summary>Whether the clone was checked: the weights the trial trained on were the donor's.</summary>
    public bool Verified => DonorWeightsHash is not null && DonorWeightsHash == LoadedWeightsHash;
}

/// <summary>What an attempt that cloned a donor's checkpoint found before its first step.</summary>
[GenerateSerializer, Immutable, Alias("HyperSearch.CloneCheck")]
public sealed record CloneCheck(
    [property: Id(0)] int Epoch,
    [property: Id(1)] string DonorWeightsHash,
    [property: Id(2)] string LoadedWeightsHash);
