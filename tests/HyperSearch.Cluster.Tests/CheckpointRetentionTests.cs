using HyperSearch.Contracts.Trials;
using HyperSearch.Grains.Search;
using Microsoft.Extensions.Logging.Abstractions;

namespace HyperSearch.Cluster.Tests;

public sealed class CheckpointRetentionTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), $"hypersearch-retention-{Guid.NewGuid():N}");

    private SearchGrainState State(params (TrialState State, double? Objective)[] trials)
    {
        var state = new SearchGrainState { CheckpointRoot = _root };
        for (var i = 0; i < trials.Length; i++)
        {
            var entry = new TrialEntry { Number = i, State = trials[i].State };
            if (trials[i].Objective is { } value)
            {
                entry.Epochs.Add(new EpochMetrics(1, new Dictionary<string, double> { [EpochMetrics.ValAccuracy] = value }));
            }

            state.Trials.Add(entry);
            Directory.CreateDirectory(CheckpointRetention.FolderOf(state, i));
            File.WriteAllText(Path.Combine(CheckpointRetention.FolderOf(state, i), "checkpoint.json"), "{}");
        }

        return state;
    }

    private static double? Objective(TrialEntry trial) => trial.Epochs.Count == 0 ? null : trial.Epochs[^1].Values[EpochMetrics.ValAccuracy];

    [Fact]
    public void Keeps_the_best_completed_trials_and_the_winner_and_deletes_the_rest()
    {
        var state = State(
            (TrialState.Completed, 0.80),
            (TrialState.Completed, 0.91),
            (TrialState.Failed, null),
            (TrialState.Completed, 0.88),
            (TrialState.Pruned, 0.95),
            (TrialState.Completed, 0.70));
        state.WinnerNumber = 1;

        var folders = CheckpointRetention.FoldersToDelete(state, keepBest: 2, Objective);
        var deleted = CheckpointRetention.Delete(folders, NullLogger.Instance);

        Assert.Equal(4, deleted);
        var left = Directory.GetDirectories(_root).Select(Path.GetFileName).Order().ToList();
        Assert.Equal(["trial-0001", "trial-0003"], left);
        Assert.Equal(0, CheckpointRetention.Delete(folders, NullLogger.Instance));
    }

    [Fact]
    public void A_negative_count_keeps_everything()
    {
        var state = State((TrialState.Completed, 0.5), (TrialState.Cancelled, null));
        Assert.Empty(CheckpointRetention.FoldersToDelete(state, keepBest: -1, Objective));
        Assert.Equal(2, Directory.GetDirectories(_root).Length);
    }

    public void Dispose()
    {
        if (Directory.Exists(_root))
        {
            Directory.Delete(_root, recursive: true);
        }
    }
}
