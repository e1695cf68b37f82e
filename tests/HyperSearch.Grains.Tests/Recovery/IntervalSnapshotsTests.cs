using HyperSearch.Grains.Trials;

namespace HyperSearch.Grains.Tests.Recovery;

/// <summary>Population Based Training's checkpoint files: a paused member's interval snapshot never changes, and an
/// exploiting trial's next attempt starts from a copy of its donor's snapshot, never from its own files.</summary>
public sealed class IntervalSnapshotsTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "hypersearch-intervals", Guid.NewGuid().ToString("N"));

    private string Trial(int number) => Path.Combine(_root, $"trial-{number:D4}");

    private static void Write(string folder, string text) => File.WriteAllText(Path.Combine(folder, "checkpoint.bin"), text);

    private static string Read(string folder) => File.ReadAllText(Path.Combine(folder, "checkpoint.bin"));

    [Fact]
    public void The_next_attempt_of_an_exploiting_trial_copies_the_donors_snapshot_not_its_own_checkpoint()
    {
        var donorAttempt = AttemptCheckpoints.Prepare(Trial(3), 10001, resume: false);
        Write(donorAttempt, "donor weights at epoch 2");
        var snapshot = IntervalSnapshots.Take(Trial(3), 10001, epoch: 2);
        AttemptCheckpoints.Promote(Trial(3), 10001);

        var ownAttempt = AttemptCheckpoints.Prepare(Trial(0), 10001, resume: false);
        Write(ownAttempt, "own weights at epoch 2");
        AttemptCheckpoints.Promote(Trial(0), 10001);

        // The donor trains on after the interval: its snapshot keeps epoch 2.
        var donorNext = AttemptCheckpoints.Prepare(Trial(3), 10002, resume: true);
        Write(donorNext, "donor weights at epoch 3");
        AttemptCheckpoints.Promote(Trial(3), 10002);

        var clone = AttemptCheckpoints.Prepare(Trial(0), 10002, resume: true, cloneFrom: snapshot);

        Assert.Equal(IntervalSnapshots.Of(Trial(3), 2, 10001), snapshot);
        Assert.Equal("donor weights at epoch 2", Read(clone));
        Assert.Equal("own weights at epoch 2", Read(Trial(0)));
    }

    [Fact]
    public void A_snapshot_without_a_checkpoint_is_refused_and_a_donor_without_one_cannot_be_cloned()
    {
        AttemptCheckpoints.Prepare(Trial(1), 10001, resume: false);

        Assert.Throws<IOException>(() => IntervalSnapshots.Take(Trial(1), 10001, epoch: 2));
        Directory.CreateDirectory(IntervalSnapshots.Of(Trial(1), 2, 10001));
        Assert.Throws<IOException>(() => AttemptCheckpoints.Prepare(Trial(0), 10002, resume: true, cloneFrom: IntervalSnapshots.Of(Trial(1), 2, 10001)));
        Assert.False(Directory.Exists(AttemptCheckpoints.Of(Trial(0), 10002)));
    }

    public void Dispose()
    {
        if (Directory.Exists(_root))
        {
            Directory.Delete(_root, recursive: true);
        }
    }
}
