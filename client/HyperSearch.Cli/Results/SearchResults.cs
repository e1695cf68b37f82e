using System.Text.Json;
using HyperSearch.Cli.Commands;
using HyperSearch.Cli.Output;
using HyperSearch.Cli.Parsing;
using HyperSearch.Contracts.Grains;
using HyperSearch.Contracts.Specs;
using HyperSearch.Contracts.Trials;
using HyperSearch.Specs;

namespace HyperSearch.Cli.Results;

/// <summary>Everything the read commands need about one search, from a run directory or from a cluster.</summary>
internal sealed record SearchResults(
    string SearchId,
    string Name,
    string State,
    string? StopReason,
    string Metric,
    bool Maximize,
    int MaxTrials,
    double WallSeconds,
    DateTimeOffset? StartedAt,
    IReadOnlyList<TrialRecord> Trials,
    int? BestTrial,
    double? TestAccuracy,
    SearchSpec? Spec,
    string? RunDir,
    string? CheckpointRoot)
{
    public string Source => RunDir ?? "cluster";

    /// <summary>The earlier trials that seeded this search's sampler (`run --warm-start`), or null.</summary>
    public WarmStart? WarmStart { get; init; }

    /// <summary>Warnings the run's summary recorded (e.g. a distribution shift let through).</summary>
    public IReadOnlyList<string> Warnings { get; init; } = [];

    /// <summary>Every diagnostic finding: the trials' and the run's recorded warnings.</summary>
    public IReadOnlyList<Diagnostics.Finding> Findings()
    {
        var findings = Diagnostics.SearchDiagnostics.Check(Trials, Classes, Metric).ToList();
        foreach (var warning in Warnings.Where(w => w.Contains("distribution", StringComparison.OrdinalIgnoreCase)))
        {
            findings.Insert(0, new Diagnostics.Finding(Diagnostics.Finding.PreprocessingMismatch, Diagnostics.FindingSeverity.Problem, null, null,
                $"preprocessing mismatch let through: the search trained on splits that differ in distribution (allowed by dataset.allow_distribution_shift): {warning}",
                "Unless the shift is intended, preprocess every split the same way and rerun without allow_distribution_shift."));
        }

        return findings;
    }

    /// <summary>Classes of the dataset (10 for the built-in ones; an .npz says in its labels, read by the probe).</summary>
    public int Classes => ClassesOf(Spec);

    public static int ClassesOf(SearchSpec? spec) => spec?.Dataset.Name switch
    {
        null => 10,
        var name => Training.DatasetCatalog.Find(name)?.Shape?.Classes ?? TryProbeClasses(spec) ?? 10,
    };

    public TrialRecord? Best => BestTrial is { } n
        ? Trials.FirstOrDefault(t => t.Number == n)
        : Leaderboard.Rank(Trials, Metric, Maximize).FirstOrDefault(t => t.State == TrialState.Completed);

    public string CheckpointDirectoryOf(int trial) =>
        Path.Combine(CheckpointRoot ?? throw new UsageException("this search's checkpoints are not known; pass --checkpoint-dir"), $"trial-{trial:D4}");

    private static int? TryProbeClasses(SearchSpec spec)
    {
        try
        {
            return Training.DatasetCatalog.Probe(Runners.DatasetLocation.OptionsFor(spec.Dataset, null)).Classes;
        }
        catch (Exception)
        {
            return null;
        }
    }
}

/// <summary>
/// Finds a search: --run-dir DIR (the run directory itself, or a root holding ID/), else ./runs/ID, else the cluster.
/// --gateway forces the cluster.
/// </summary>
internal static class ResultsLoader
{
    public const string Options = "[--run-dir DIR | --gateway HOST:PORT ...] [--checkpoint-dir DIR]";

    public static Func<Task<SearchResults>> Prepare(ResultsSource source, string searchId)
    {
        var connect = ClusterConnection.Prepare(source.Connection);
        if (!source.ForceCluster && FindRunDirectory(source.RunDir, searchId) is { } local)
        {
            return () => Task.FromResult(LoadRunDirectory(local, searchId, source.CheckpointDir));
        }

        if (source.RunDir is { } runDirOption && !source.ForceCluster)
        {
            throw new UsageException($"no run directory for '{searchId}' at {runDirOption} (expected {RunDirectory.TrialsFile} there or in {Path.Combine(runDirOption, searchId)})");
        }

        return () => LoadFromClusterAsync(connect, searchId, source.CheckpointDir);
    }

    public static string? FindRunDirectory(string? runDirOption, string searchId)
    {
        var candidates = runDirOption is not null
            ? new[] { runDirOption, Path.Combine(runDirOption, searchId) }
            : [Path.Combine("runs", searchId), searchId];
        return candidates.FirstOrDefault(c => File.Exists(Path.Combine(c, RunDirectory.TrialsFile))) is { } found ? Path.GetFullPath(found) : null;
    }

    public static SearchResults LoadRunDirectory(string dir, string searchId, string? checkpointOption = null)
    {
        var trials = JsonSerializer.Deserialize<List<TrialRecord>>(File.ReadAllText(Path.Combine(dir, RunDirectory.TrialsFile)), Json.Compact) ?? [];
        trials = trials.Select(t => t with
        {
            Parameters = Plain(t.Parameters),
            Lineage = t.Lineage?.Select(l => l with { NewValues = Plain(l.NewValues) }).ToList(),
        }).ToList();
        SearchSummaryJson? summary = null;
        var summaryPath = Path.Combine(dir, RunDirectory.SummaryFile);
        if (File.Exists(summaryPath))
        {
            summary = JsonSerializer.Deserialize<SearchSummaryJson>(File.ReadAllText(summaryPath), Json.Compact);
        }

        SearchSpec? spec = null;
        var specPath = Path.Combine(dir, RunDirectory.SpecFile);
        if (File.Exists(specPath))
        {
            try
            {
                spec = SpecLoader.Load(specPath, null, checkData: false);
            }
            catch (SpecException)
            {
                // A spec that no longer validates still leaves the trials readable.
            }
        }

        var started = trials.Where(t => t.StartedAt is not null).Select(t => t.StartedAt!.Value).DefaultIfEmpty().Min();
        return new SearchResults(
            summary?.SearchId ?? searchId,
            summary?.Name ?? spec?.Name ?? searchId,
            summary?.State ?? "unknown",
            summary?.StopReason,
            spec?.Search.Metric ?? EpochMetrics.ValAccuracy,
            spec?.Search.Maximize ?? true,
            spec?.Search.MaxTrials ?? trials.Count,
            summary?.WallSeconds ?? 0,
            started == default ? null : started,
            trials,
            summary?.BestTrial,
            summary?.TestAccuracy,
            spec,
            dir,
            checkpointOption ?? CheckpointRootIn(dir, summary?.SearchId ?? searchId))
        {
            Warnings = summary?.Warnings ?? [],
            WarmStart = WarmStartImport.Read(dir),
        };
    }

    /// <summary>The embedded silo of `run` keeps a search's checkpoints under checkpoints/&lt;search id&gt;/trial-NNNN.</summary>
    private static string CheckpointRootIn(string dir, string searchId)
    {
        var root = Path.Combine(dir, "checkpoints");
        var perSearch = Path.Combine(root, searchId);
        return Directory.Exists(perSearch) || !Directory.Exists(root) ? perSearch : root;
    }

    /// <summary>A cluster search whose spec the caller has already read (on the caller's connection).</summary>
    public static async Task<SearchResults> FromClusterAsync(ISearchGrain search, string searchId, SearchSpec spec, string? checkpointOption)
    {
        var status = await search.GetStatusAsync();
        var trials = await search.GetTrialsAsync();
        // Silos keep checkpoints under their CheckpointDirectory/<search id> (shared storage in a real cluster);
        // --checkpoint-dir names that search folder itself.
        var checkpoints = checkpointOption
            ?? Path.Combine(Environment.GetEnvironmentVariable("HYPERSEARCH_CHECKPOINT_DIR") ?? Path.Combine(Path.GetTempPath(), "hypersearch", "checkpoints"), searchId);
        return new SearchResults(searchId, status.Name, status.State.ToString().ToLowerInvariant(), status.StopReason, status.Metric, status.Maximize,
            status.MaxTrials, status.WallSeconds, status.StartedAt, trials, status.Best?.Number, status.Test?.TestAccuracy, spec, null, checkpoints)
        {
            WarmStart = spec.Search.WarmStart,
        };
    }

    private static async Task<SearchResults> LoadFromClusterAsync(Func<Task<ClusterConnection>> connect, string searchId, string? checkpointOption)
    {
        await using var cluster = await connect();
        var search = cluster.Grains.GetGrain<ISearchGrain>(searchId);
        var spec = await search.GetSpecAsync() ?? throw new UsageException($"no search with id '{searchId}' on this cluster, and no run directory ./runs/{searchId}");
        return await FromClusterAsync(search, searchId, spec, checkpointOption);
    }

    private static Dictionary<string, object> Plain(IReadOnlyDictionary<string, object> values) =>
        values.ToDictionary(p => p.Key, p => Training.ExportedModel.Plain(p.Value), StringComparer.Ordinal);
}
