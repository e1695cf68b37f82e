using System.Globalization;
using HyperSearch.Cli.Output;
using HyperSearch.Contracts.Trials;

namespace HyperSearch.Cli.Reports;

/// <summary>Population Based Training lineage in `search export`: in JSON each trial's clones as a list; in CSV on the
/// row of the epoch at which the trial took over its donor's checkpoint.</summary>
internal static class LineageExport
{
    public static IReadOnlyList<string> CsvColumns { get; } = ["cloned_from", "cloned_values", "clone_verified"];

    public static IEnumerable<string> CsvCells(TrialRecord trial, int? epoch)
    {
        var entry = epoch is { } e ? trial.Lineage?.LastOrDefault(l => l.Epoch == e) : null;
        return entry is null
            ? ["", "", ""]
            : [entry.Donor.ToString(CultureInfo.InvariantCulture), Values(entry), entry.Verified ? "true" : "false"];
    }

    /// <summary>The trial's clones in order; null for a trial that never cloned.</summary>
    public static object? Json(TrialRecord trial) => trial.Lineage is not { Count: > 0 } lineage
        ? null
        : lineage.Select(l => new
        {
            epoch = l.Epoch,
            donor = l.Donor,
            donor_lease_token = l.DonorLeaseToken,
            new_values = l.NewValues,
            operations = l.Operations,
            score = l.Score,
            donor_score = l.DonorScore,
            donor_weights_sha256 = l.DonorWeightsHash,
            loaded_weights_sha256 = l.LoadedWeightsHash,
            verified = l.Verified,
        }).ToList();

    /// <summary>"learning_rate=0.0012 (perturb x1.2); dropout=0.31 (resample)".</summary>
    public static string Values(LineageEntry entry) => string.Join("; ", entry.NewValues.OrderBy(v => v.Key, StringComparer.Ordinal)
        .Select(v => $"{v.Key}={ResultPrinter.FormatValue(v.Value)}{(entry.Operations.TryGetValue(v.Key, out var op) ? $" ({op})" : "")}"));
}
