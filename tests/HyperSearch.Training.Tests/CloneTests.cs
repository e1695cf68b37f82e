namespace HyperSearch.Training.Tests;

/// <summary>Population Based Training's clone on the real trainer: an exploiting trial continues from the donor's
/// weights and optimizer state with its explored configuration, and the hashes tell whose weights it loaded.</summary>
[Collection(MachineCollection.Name)]
public sealed class CloneTests
{
    private static readonly Lazy<PreparedDataset> Tiny = new(() =>
        TestFiles.LoadUncached(new DatasetOptions("npz", TestFiles.WriteSyntheticNpz(TestFiles.TempDirectory(), 600, 100))));

    private static readonly TrialConfig Small = TrialConfig.Seed with
    {
        ConvLayers = [new ConvLayerConfig(4, 3)],
        DenseUnits = [16],
        Dropout = 0.25,
        BatchSize = 32,
        Epochs = 3,
        LearningRate = 0.01,
    };

    private static TrialOutcome Run(TrialConfig config, TrialRunOptions options, Func<EpochReport, bool> onEpoch) =>
        TrialTrainer.Run(config, Tiny.Value, options, onEpoch, CancellationToken.None);

    /// <summary>Trains one epoch into a fresh folder and pauses there, as a member does at an interval.</summary>
    private static string PausedAfterOneEpoch(TrialConfig config, int seed)
    {
        var dir = TestFiles.TempDirectory();
        Assert.Equal(TrialOutcomeKind.Stopped, Run(config, new TrialRunOptions(seed, dir), _ => false).Kind);
        return dir;
    }

    private static string CopyOf(string checkpointDirectory)
    {
        var copy = TestFiles.TempDirectory();
        File.Copy(Path.Combine(checkpointDirectory, Checkpoint.FileName), Path.Combine(copy, Checkpoint.FileName));
        return copy;
    }

    [Fact]
    public void A_clone_trains_on_the_donors_weights_with_its_own_explored_values()
    {
        var donor = PausedAfterOneEpoch(Small, seed: 1);
        var own = PausedAfterOneEpoch(Small with { LearningRate = 0.002 }, seed: 2);
        var donorHash = WeightsHash.OfCheckpoint(donor);
        Assert.NotEqual(donorHash, WeightsHash.OfCheckpoint(own));

        // The exploiting trial's next attempt folder holds a copy of the donor's snapshot, as its slot prepares it.
        var attempt = CopyOf(donor);
        var explored = Small with { LearningRate = 0.012, Dropout = 0.3 };
        var outcome = Run(explored, new TrialRunOptions(2, attempt, Resume: true) { CloneFrom = donor }, _ => true);

        Assert.Equal(TrialOutcomeKind.Completed, outcome.Kind);
        Assert.Equal(new CloneHashes(1, donorHash, donorHash), outcome.Cloning);
        Assert.Equal([2, 3], outcome.Epochs.Select(e => e.Epoch));
        Assert.NotEqual(donorHash, WeightsHash.OfCheckpoint(attempt));
        // The final checkpoint belongs to the explored configuration: the winner's test evaluation loads it.
        Assert.Equal(Tiny.Value.TestCount, TrialTrainer.EvaluateTest(explored, Tiny.Value, attempt).Count);
    }

    [Fact]
    public void Reloading_the_trials_own_checkpoint_instead_of_the_donors_is_caught()
    {
        var donor = PausedAfterOneEpoch(Small, seed: 1);
        var own = PausedAfterOneEpoch(Small, seed: 2);

        // The clone bug: the attempt folder got the trial's own checkpoint, not the donor's.
        var outcome = Run(Small, new TrialRunOptions(2, CopyOf(own), Resume: true) { CloneFrom = donor }, _ => true);

        var check = Assert.IsType<CloneHashes>(outcome.Cloning);
        Assert.Equal(WeightsHash.OfCheckpoint(donor), check.DonorWeightsHash);
        Assert.Equal(WeightsHash.OfCheckpoint(own), check.LoadedWeightsHash);
        Assert.NotEqual(check.DonorWeightsHash, check.LoadedWeightsHash);
    }

    [Fact]
    public void A_clone_without_a_copy_of_the_donors_checkpoint_fails_instead_of_starting_over()
    {
        var donor = PausedAfterOneEpoch(Small, seed: 1);

        var outcome = Run(Small, new TrialRunOptions(2, TestFiles.TempDirectory(), Resume: true) { CloneFrom = donor }, _ => true);

        Assert.Equal(TrialOutcomeKind.Failed, outcome.Kind);
        Assert.Contains("no copy of the donor's checkpoint", outcome.FailureReason);
    }
}
