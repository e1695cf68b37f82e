using HyperSearch.Grains.Persistence;
using Microsoft.Extensions.Logging;

namespace HyperSearch.Grains.Registry;

/// <summary>Lists searches and wakes idle training slots when a search has work (a long poll, so an idle
/// cluster sends no traffic and a new search starts within one round trip).</summary>
[Reentrant]
public sealed class SearchRegistryGrain(
    [PersistentState("registry", StorageNames.Searches)] IPersistentState<SearchRegistryState> persisted,
    ILocalSiloDetails silo,
    TimeProvider clock,
    ILogger<SearchRegistryGrain> logger) : Grain, ISearchRegistryGrain
{
    private readonly ShareBook _shares = new();
    private readonly GroupCommit _commit = new(persisted.WriteStateAsync);
    private readonly HashSet<string> _withWork = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long> _sequences = new(StringComparer.Ordinal);
    private long _version = 1;
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        // After a restart every unfinished search may have work; its coordinator corrects this on its first change.
        foreach (var search in persisted.State.Searches.Where(s => !s.State.IsFinished()))
        {
            _withWork.Add(search.SearchId);
        }

        // The chaos test reads this line to learn where the registry lives and when it answers again.
        logger.LogInformation("search registry active on silo {Silo}", silo.Name);
        return Task.CompletedTask;
    }

    public async Task RegisterAsync(SearchSummary summary)
    {
        persisted.State.Searches.RemoveAll(s => s.SearchId == summary.SearchId);
        persisted.State.Searches.Add(summary);
        await _commit.CommitAsync();
    }

    public Task<IReadOnlyList<SearchSummary>> ListAsync() =>
        Task.FromResult<IReadOnlyList<SearchSummary>>(persisted.State.Searches.OrderBy(s => s.StartedAt).ToList());

    public async Task SetWorkAvailableAsync(string searchId, bool available, SearchState state, long sequence)
    {
        if (_sequences.TryGetValue(searchId, out var last) && sequence <= last && sequence > 0)
        {
            return; // a late update overtaken by a newer one
        }

        _sequences[searchId] = sequence;
        if (state.IsFinished())
        {
            _shares.Forget(searchId);
        }

        if (available)
        {
            _withWork.Add(searchId);
        }
        else
        {
            _withWork.Remove(searchId);
        }

        Bump();
        var index = persisted.State.Searches.FindIndex(s => s.SearchId == searchId);
        if (index >= 0 && persisted.State.Searches[index].State != state)
        {
            persisted.State.Searches[index] = persisted.State.Searches[index] with { State = state };
            await _commit.CommitAsync();
        }
    }

    public async Task<WorkAvailability> WaitForWorkAsync(long seenVersion, TimeSpan maxWait)
    {
        if (seenVersion >= _version)
        {
            await Task.WhenAny(_changed.Task, Task.Delay(maxWait));
        }

        return new WorkAvailability(_version, _shares.Order(_withWork, clock.GetUtcNow()));
    }

    public Task<int?> ShareSlotsAsync(string searchId, int demand, int running)
    {
        var limit = _shares.Report(searchId, demand, running, clock.GetUtcNow());
        foreach (var (other, changed) in _shares.TakeChanged())
        {
            // One-way: a coordinator that is gone or busy costs the registry nothing; its next report corrects it.
            _ = GrainFactory.GetGrain<ISearchGrain>(other).SetShareLimitAsync(changed);
        }

        return Task.FromResult(limit);
    }

    public Task AnnounceSlotsAsync(string siloName, int slots)
    {
        _shares.SetSlots(siloName, slots, clock.GetUtcNow());
        return Task.CompletedTask;
    }

    /// <summary>Wakes every parked slot; each then asks the searches that have work.</summary>
    private void Bump()
    {
        _version++;
        var changed = _changed;
        _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        changed.SetResult();
    }
}

[GenerateSerializer, Alias("HyperSearch.SearchRegistryState")]
public sealed class SearchRegistryState
{
    [Id(0)] public List<SearchSummary> Searches { get; set; } = [];
}
