using System.Collections.Concurrent;
using HyperSearch.Contracts.Grains;
using HyperSearch.Contracts.Security;
using HyperSearch.Contracts.Specs;
using HyperSearch.Contracts.Trials;
using HyperSearch.Diagnostics;
using HyperSearch.Silo.Hosting;
using HyperSearch.Specs;
using HyperSearch.Ui;

namespace HyperSearch.Silo.Ui;

/// <summary>The UI's view of the cluster, read through the same grain calls the CLI makes (the registry's list, a
/// search's status, trials and spec; cancel and start). The role check happens before these calls (the UI's own
/// <see cref="IUiAccess"/>): calls made inside a silo do not pass the gateway's role filter.</summary>
internal sealed class ClusterUiBackend(IGrainFactory grains, HyperSearchOptions options) : IUiBackend
{
    private const long Fresh = 500;

    private readonly ConcurrentDictionary<string, (long At, Task<SearchData?> Read)> _recent = new(StringComparer.Ordinal);

    public string Source => "cluster";

    public bool CanOperate => true;

    public async Task<IReadOnlyList<SearchData>> ListAsync(CancellationToken cancellationToken)
    {
        var summaries = await grains.GetGrain<ISearchRegistryGrain>(0).ListAsync();
        var searches = await Task.WhenAll(summaries.Select(s => GetAsync(s.SearchId, cancellationToken)));
        return searches.OfType<SearchData>().ToList();
    }

    /// <summary>Every open page polls once a second: reads of one search within <see cref="Fresh"/> share one set of
    /// grain calls, so many browsers cost the coordinator no more than one.</summary>
    public Task<SearchData?> GetAsync(string searchId, CancellationToken cancellationToken)
    {
        var now = Environment.TickCount64;
        if (_recent.Count > 10_000)
        {
            // Requests for ids that never existed must not grow this without bound.
            _recent.Clear();
        }

        var entry = _recent.AddOrUpdate(searchId,
            _ => (now, ReadAsync(searchId)),
            (_, old) => now - old.At < Fresh ? old : (now, ReadAsync(searchId)));
        return entry.Read.WaitAsync(cancellationToken);
    }

    private async Task<SearchData?> ReadAsync(string searchId)
    {
        var grain = grains.GetGrain<ISearchGrain>(searchId);
        // A grain exists for any key: a search without a spec was never started.
        if (await grain.GetSpecAsync() is not { } spec)
        {
            return null;
        }

        var statusTask = grain.GetStatusAsync();
        var trialsTask = grain.GetTrialsAsync();
        var status = await statusTask;
        var trials = await trialsTask;
        // The built-in datasets have 10 classes; the silo does not probe other datasets' files for the UI.
        var findings = SearchDiagnostics.Check(trials, classes: 10, status.Metric);
        return new SearchData(searchId, status.Name, status.State.ToString().ToLowerInvariant(), status.StopReason, status.Metric, status.Maximize,
            status.MaxTrials, spec.Search.TimeBudget, status.StartedAt, status.EndedAt, status.Best?.Number, status.Test?.TestAccuracy,
            trials, findings, Path.Combine(options.CheckpointDirectory, searchId), spec.Search.Objectives);
    }

    public async Task<bool> CancelAsync(string searchId)
    {
        var grain = grains.GetGrain<ISearchGrain>(searchId);
        if (await grain.GetSpecAsync() is null)
        {
            return false;
        }

        await grain.CancelAsync();
        _recent.TryRemove(searchId, out _);
        return true;
    }

    public async Task<string> StartAsync(string specText, string? searchId)
    {
        SearchSpec spec;
        try
        {
            // The coordinator runs the complete checks (data included, where this silo can read it) in StartAsync.
            spec = SpecLoader.Parse(specText, "spec", options.DataDirectory, checkData: false);
        }
        catch (SpecException e)
        {
            throw new UiSpecException(e.Errors.Select(x => x.Format(e.SpecSource)).ToList());
        }

        var id = string.IsNullOrWhiteSpace(searchId) ? NewSearchId(spec.Name) : searchId;
        try
        {
            await grains.GetGrain<ISearchGrain>(id).StartAsync(spec);
        }
        catch (SpecRejectedException e)
        {
            var lines = SpecParser.Parse(specText);
            throw new UiSpecException(e.Errors(lines.LineOf).Select(x => x.Format("spec")).ToList());
        }

        return id;
    }

    private static string NewSearchId(string name)
    {
        var slug = new string(name.ToLowerInvariant().Select(c => char.IsAsciiLetterOrDigit(c) ? c : '-').ToArray()).Trim('-');
        return $"{(slug.Length == 0 ? "search" : slug)}-{DateTime.UtcNow:yyyyMMdd-HHmmss}-{Random.Shared.Next(0x10000):x4}";
    }
}
