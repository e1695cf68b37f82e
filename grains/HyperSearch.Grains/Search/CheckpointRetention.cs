using Microsoft.Extensions.Logging;

namespace HyperSearch.Grains.Search;

/// <summary>What happens to a finished search's checkpoints: the best <c>KeepCheckpoints</c> completed trials keep
/// their folders (the winner is always among them), every other trial's folder is deleted.</summary>
public static class CheckpointRetention
{
    /// <summary>The trial numbers whose checkpoints stay: the best <paramref name="keepBest"/> completed trials in the
    /// one ranking (<see cref="TrialRanking"/>); negative keeps every trial.</summary>
    public static IReadOnlySet<int> TrialsToKeep(SearchGrainState state, int keepBest, Func<TrialEntry, double?> objective)
    {
        if (keepBest < 0)
        {
            return state.Trials.Select(t => t.Number).ToHashSet();
        }

        var maximize = state.Spec?.Search.Maximize ?? true;
        var ranked = state.Trials
            .Where(t => t.State == TrialState.Completed)
            .Select(t => new RankKey(objective(t), t.ParameterCount, t.Number))
            .Where(key => TrialRanking.IsRankable(key.Objective))
            .Order(TrialRanking.BestFirst(maximize))
            .Take(keepBest)
            .Select(key => key.Number)
            .ToHashSet();
        if (state.WinnerNumber is { } winner && keepBest > 0)
        {
            ranked.Add(winner);
        }

        return ranked;
    }

    /// <summary>The checkpoint folders the policy removes: every trial's not kept. Pure; call it on the grain's
    /// thread, then <see cref="Delete"/> anywhere.</summary>
    public static IReadOnlyList<string> FoldersToDelete(SearchGrainState state, int keepBest, Func<TrialEntry, double?> objective)
    {
        if (keepBest < 0 || string.IsNullOrEmpty(state.CheckpointRoot))
        {
            return [];
        }

        var keep = TrialsToKeep(state, keepBest, objective);
        // Population Based Training's interval snapshots served the clones while the search ran; a kept trial needs
        // only its final checkpoint.
        return state.Trials.Where(t => !keep.Contains(t.Number)).Select(t => FolderOf(state, t.Number))
            .Concat(keep.Order().Select(n => Path.Combine(FolderOf(state, n), Trials.IntervalSnapshots.FolderName)))
            .ToList();
    }

    /// <summary>Applies the policy to a finished search; returns how many folders went. Decided on the caller's thread
    /// (it reads the state, so call it on the grain's); only the file deletions leave it.</summary>
    public static async Task<int> ApplyAsync(SearchGrainState state, int keepBest, Func<TrialEntry, double?> objective, ILogger logger)
    {
        var folders = FoldersToDelete(state, keepBest, objective);
        return folders.Count == 0 ? 0 : await Task.Run(() => Delete(folders, logger));
    }

    /// <summary>Deletes the folders that exist; returns how many went. Missing folders are fine (the policy may
    /// run again after a restart).</summary>
    public static int Delete(IReadOnlyList<string> folders, ILogger logger)
    {
        var deleted = 0;
        foreach (var folder in folders)
        {
            try
            {
                if (Directory.Exists(folder))
                {
                    Directory.Delete(folder, recursive: true);
                    deleted++;
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                logger.LogWarning(e, "could not delete checkpoint folder {Folder}", folder);
            }
        }

        return deleted;
    }

    /// <summary>A trial's checkpoint folder; the coordinator hands the same path to every attempt.</summary>
    public static string FolderOf(SearchGrainState state, int trialNumber) =>
        Path.Combine(state.CheckpointRoot, $"trial-{trialNumber:D4}");
}
