using HyperSearch.Contracts.Trials;
using HyperSearch.Grains.Persistence;
using HyperSearch.Grains.Search;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization;

namespace HyperSearch.Grains.Tests.Persistence;

public sealed class SearchStateStoreTests
{
    private readonly Serializer _serializer = new ServiceCollection().AddSerializer().BuildServiceProvider().GetRequiredService<Serializer>();
    private readonly StoredRecord<SearchGrainState> _snapshot;
    private readonly StoredRecord<SearchJournal> _journal;
    private readonly SearchStateStore _store;

    public SearchStateStoreTests()
    {
        _snapshot = new StoredRecord<SearchGrainState>(_serializer);
        _journal = new StoredRecord<SearchJournal>(_serializer);
        _store = new SearchStateStore(_snapshot, _journal, _serializer);
        _store.Reset(new SearchGrainState { Spec = TestSpecs.Make(maxTrials: 1000), Generation = 1, State = SearchState.Running });
    }

    [Fact]
    public async Task A_reopened_store_sees_every_change_from_snapshots_and_journal()
    {
        await _store.WriteAsync();
        for (var n = 0; n < 300; n++)
        {
            Start(n);
            await _store.WriteAsync();
            if (n >= 2)
            {
                Finish(n - 2, accuracy: n / 1000.0);
                await _store.WriteAsync();
            }
        }

        _store.State.WinnerNumber = 17;
        await _store.WriteAsync();

        var reopened = Reopen();
        Assert.Equal(300, reopened.State.Trials.Count);
        Assert.Equal(17, reopened.State.WinnerNumber);
        Assert.Equal(298, reopened.State.Trials.Count(t => t.State == TrialState.Completed));
        Assert.All(reopened.State.Trials.Skip(298), t => Assert.Equal(TrialState.Running, t.State));
        Assert.Equal(_store.State.Trials.Select(t => t.Epochs.Count), reopened.State.Trials.Select(t => t.Epochs.Count));
    }

    [Fact]
    public async Task Journal_writes_stay_small_and_snapshots_are_rare()
    {
        await _store.WriteAsync();
        var largestJournal = 0;
        for (var n = 0; n < 1000; n++)
        {
            Start(n);
            Finish(n, accuracy: 0.5);
            await _store.WriteAsync();
            largestJournal = Math.Max(largestJournal, _store.LastJournalTrials);
        }

        // Journals of 1..k trials add up to the table's size after k ≈ √(2·1000) < 64 writes, so the minimum of 64 finished
        // trials decides: at most 65 trials per journal, and the table itself is never rewritten per change.
        Assert.InRange(largestJournal, 1, SearchStateStore.MinJournalFinished + 1);
        Assert.InRange(_store.SnapshotsWritten, 1000 / 65, 1000 / 60 + 2);
        Assert.Equal(1001, _snapshot.Writes + _journal.Writes);
    }

    [Fact]
    public async Task A_snapshot_comes_once_the_journals_since_the_last_one_add_up_to_its_size()
    {
        // 2,000 finished trials and 200 running; each write finishes the 10 oldest running and starts 10. Every journal
        // carries the trials open at the snapshot, so journals are large next to the finished count.
        for (var n = 0; n < 2000; n++)
        {
            Start(n);
            Finish(n, accuracy: 0.5);
        }

        for (var n = 2000; n < 2200; n++)
        {
            Start(n);
        }

        await _store.WriteAsync();
        var oldestRunning = 2000;
        var snapshotBytes = _snapshot.StoredBytes;
        var snapshots = _store.SnapshotsWritten;
        long journalBytes = 0;
        var spans = new List<(long Journals, long Snapshot)>();
        for (var write = 0; write < 150; write++)
        {
            for (var i = 0; i < 10; i++)
            {
                Finish(oldestRunning++, accuracy: 0.5);
                Start(_store.State.Trials.Count);
            }

            await _store.WriteAsync();
            if (_store.SnapshotsWritten > snapshots)
            {
                spans.Add((journalBytes, snapshotBytes));
                (snapshotBytes, journalBytes, snapshots) = (_snapshot.StoredBytes, 0, _store.SnapshotsWritten);
            }
            else
            {
                journalBytes += _journal.StoredBytes;
            }
        }

        // A fixed count of finished trials would not track this: 2·√2,200 ≈ 94 finished (10 writes) whatever the journals weigh.
        Assert.True(spans.Count >= 3, $"{spans.Count} snapshots in 150 writes");
        Assert.All(spans, span => Assert.InRange(span.Journals, span.Snapshot * 0.9, span.Snapshot * 1.3));
        Assert.Equal(_store.State.Trials.Count, Reopen().State.Trials.Count);
    }

    [Fact]
    public async Task A_journal_older_than_the_snapshot_is_ignored()
    {
        await _store.WriteAsync();
        Start(0);
        await _store.WriteAsync(); // journal for the first snapshot
        var staleJournal = _journal.Reopen();

        // A restart writes a new snapshot first; a crash right after it leaves the older journal behind.
        var snapshotAfterRestart = _snapshot.Reopen();
        var restarted = new SearchStateStore(snapshotAfterRestart, _journal.Reopen(), _serializer);
        restarted.Load();
        Assert.Single(restarted.State.Trials);
        restarted.State.Generation++;
        await restarted.WriteAsync();
        Assert.Equal(1, snapshotAfterRestart.Writes);

        var afterCrash = new SearchStateStore(snapshotAfterRestart.Reopen(), staleJournal, _serializer);
        afterCrash.Load();
        Assert.Equal(2, afterCrash.State.Generation);
        Assert.Single(afterCrash.State.Trials);
    }

    [Fact]
    public async Task After_a_failed_snapshot_the_next_write_is_a_snapshot_again()
    {
        _snapshot.FailNextWrite = true;
        await Assert.ThrowsAsync<IOException>(_store.WriteAsync);
        Assert.Equal(0, _journal.Writes);

        Start(0);
        await _store.WriteAsync();
        Assert.Equal(1, _snapshot.Writes);
        Assert.Equal(0, _journal.Writes);
        Assert.Single(Reopen().State.Trials);
    }

    private SearchStateStore Reopen()
    {
        var store = new SearchStateStore(_snapshot.Reopen(), _journal.Reopen(), _serializer);
        store.Load();
        return store;
    }

    private void Start(int number)
    {
        Assert.Equal(number, _store.State.Trials.Count);
        _store.State.Trials.Add(new TrialEntry
        {
            Number = number,
            Parameters = new Dictionary<string, object> { ["dropout"] = 0.1 + number / 10_000.0 },
            State = TrialState.Running,
            Attempt = 1,
            LeaseToken = 10_001,
        });
    }

    private void Finish(int number, double accuracy)
    {
        var trial = _store.State.Trials[number];
        trial.Epochs.Add(new EpochMetrics(1, new Dictionary<string, double> { [EpochMetrics.ValAccuracy] = accuracy }));
        trial.State = TrialState.Completed;
    }
}
