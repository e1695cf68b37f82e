using System.Text.Json;
using HyperSearch.Cli.Output;
using HyperSearch.Cli.Results;
using HyperSearch.Contracts.Grains;
using HyperSearch.Contracts.Specs;
using HyperSearch.Contracts.Trials;
using HyperSearch.Grains.Search;
using HyperSearch.Tuning.Space;

namespace HyperSearch.Cli.Commands;

/// <summary>`hypersearch run SPEC --warm-start RUN_DIR|SEARCH_ID`: the finished trials of an earlier run whose
/// configuration fits the new space (same parameter names, every value inside the new domains) seed the sampler; the
/// others are skipped and counted. The selection is kept in the run directory, so a resumed run and the report see it.</summary>
internal static class WarmStartImport
{
    public const string FileName = "warm_start.json";

    /// <summary>Reads the source run (a run directory, or a search id under the run root) and keeps what is compatible.</summary>
    public static WarmStart Load(string source, SearchSpec spec, string runRoot)
    {
        var dir = SourceDirectory(source)
            ?? ResultsLoader.FindRunDirectory(runRoot, source)
            ?? throw new UsageException($"--warm-start {source}: no run directory there or in {Path.Combine(runRoot, source)} (expected {RunDirectory.TrialsFile})");
        return FromRunDirectory(dir, spec);
    }

    /// <summary>`search start --warm-start`: a run directory, else a search on the cluster (its trials from the search
    /// grain), else ./runs/SEARCH_ID.</summary>
    public static async Task<WarmStart> LoadAsync(string source, SearchSpec spec, IGrainFactory grains, string runRoot = "runs")
    {
        if (SourceDirectory(source) is { } dir)
        {
            return FromRunDirectory(dir, spec);
        }

        // A path is not a search id; asking the cluster about one would only activate an empty search grain.
        if (source.IndexOfAny(['/', '\\']) < 0)
        {
            var search = grains.GetGrain<ISearchGrain>(source);
            if (await search.GetSpecAsync() is not null)
            {
                return Select(source, await search.GetTrialsAsync(), spec);
            }
        }

        return ResultsLoader.FindRunDirectory(runRoot, source) is { } local
            ? FromRunDirectory(local, spec)
            : throw new UsageException($"--warm-start {source}: no search with that id on this cluster and no run directory there or in {Path.Combine(runRoot, source)} (expected {RunDirectory.TrialsFile})");
    }

    /// <summary>The finished trials (completed or pruned, with a curve) whose configuration fits the spec's space.</summary>
    public static WarmStart Select(string source, IReadOnlyList<TrialRecord> trials, SearchSpec spec)
    {
        var space = SpaceMapping.ToSearchSpace(spec.Space);
        var finished = trials.Where(t => t.State is TrialState.Completed or TrialState.Pruned && t.Epochs.Count > 0).ToList();
        var imported = finished
            .Where(t => space.Conform(t.Parameters) is not null)
            .Select(t => new ImportedTrial(t.Number, t.Parameters, t.State, t.Epochs))
            .ToList();
        return new WarmStart(source, imported, finished.Count - imported.Count);
    }

    public static void Save(string runDirectory, WarmStart warmStart) =>
        File.WriteAllText(Path.Combine(runDirectory, FileName), JsonSerializer.Serialize(warmStart, Json.Indented));

    /// <summary>The warm start a run directory recorded, or null.</summary>
    public static WarmStart? Read(string? runDirectory)
    {
        var path = runDirectory is null ? null : Path.Combine(runDirectory, FileName);
        if (path is null || !File.Exists(path) || JsonSerializer.Deserialize<WarmStart>(File.ReadAllText(path), Json.Compact) is not { } saved)
        {
            return null;
        }

        return saved with
        {
            Trials = saved.Trials.Select(t => t with { Parameters = t.Parameters.ToDictionary(p => p.Key, p => Training.ExportedModel.Plain(p.Value), StringComparer.Ordinal) }).ToList(),
        };
    }

    private static string? SourceDirectory(string source) =>
        ResultsLoader.FindRunDirectory(source, Path.GetFileName(Path.TrimEndingDirectorySeparator(source)));

    private static WarmStart FromRunDirectory(string dir, SearchSpec spec)
    {
        var results = ResultsLoader.LoadRunDirectory(dir, Path.GetFileName(dir));
        return Select(results.SearchId, results.Trials, spec);
    }
}
