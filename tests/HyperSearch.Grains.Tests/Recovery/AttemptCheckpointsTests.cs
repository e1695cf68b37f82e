using HyperSearch.Grains.Trials;

namespace HyperSearch.Grains.Tests.Recovery;

/// <summary>Per-attempt checkpoint folders: a zombie attempt never touches its successor's files, and only the
/// accepted attempt's files reach the trial folder.</summary>
public sealed class AttemptCheckpointsTests : IDisposable
{
    private readonly string _trial = Path.Combine(Path.GetTempPath(), "hypersearch-attempts", Guid.NewGuid().ToString("N"), "trial-0001");

    private static void Write(string folder, string name, string text) => File.WriteAllText(Path.Combine(folder, name), text);

    private static string Read(string folder, string name) => File.ReadAllText(Path.Combine(folder, name));

    [Fact]
    public void A_resumed_attempt_starts_from_a_copy_and_its_zombie_predecessor_cannot_overwrite_it()
    {
        var zombie = AttemptCheckpoints.Prepare(_trial, 10001, resume: false);
        Write(zombie, "checkpoint.json", "epoch 2 by 10001");

        var successor = AttemptCheckpoints.Prepare(_trial, 10002, resume: true);
        Assert.NotEqual(zombie, successor);
        Assert.Equal("epoch 2 by 10001", Read(successor, "checkpoint.json"));

        // The paused attempt wakes up and saves epoch 3 where it always did: its own folder.
        Write(zombie, "checkpoint.json", "epoch 3 by 10001");
        Write(successor, "checkpoint.json", "epoch 3 by 10002");
        Assert.Equal("epoch 3 by 10002", Read(successor, "checkpoint.json"));

        AttemptCheckpoints.Promote(_trial, 10002);
        Assert.Equal("epoch 3 by 10002", Read(_trial, "checkpoint.json"));
        Assert.False(Directory.Exists(zombie));
        Assert.False(Directory.Exists(successor));
    }

    /// <summary>Population Based Training leases a paused trial again at once, so its next attempt is prepared on one
    /// silo while the slot of the attempt that paused promotes it on another. The new attempt always gets that
    /// attempt's whole checkpoint, never a failure, a part of it, or the older promoted files.</summary>
    [Fact]
    public async Task An_attempt_prepared_while_its_predecessor_is_promoted_gets_the_whole_newest_checkpoint()
    {
        string[] files = ["model.bin", "optimizer.bin", "metadata.json", "curve.txt", "rng.bin", "extra.bin"];
        for (var round = 0; round < 200; round++)
        {
            var trial = Path.Combine(_trial, $"round-{round}");
            var paused = AttemptCheckpoints.Prepare(trial, 10001, resume: false);
            foreach (var name in files)
            {
                Write(trial, name, "old");
                Write(paused, name, new string('n', 64 * 1024));
            }

            using var start = new Barrier(2);
            var promote = Task.Run(() =>
            {
                start.SignalAndWait();
                AttemptCheckpoints.Promote(trial, 10001);
            });
            var prepare = Task.Run(() =>
            {
                start.SignalAndWait();
                return AttemptCheckpoints.Prepare(trial, 10002, resume: true);
            });
            await promote;
            var next = await prepare;
            Assert.All(files, name => Assert.Equal(64 * 1024, new FileInfo(Path.Combine(next, name)).Length));
            Assert.All(files, name => Assert.Equal(64 * 1024, new FileInfo(Path.Combine(trial, name)).Length));
        }
    }

    [Fact]
    public void Promotion_leaves_a_newer_attempts_folder_alone()
    {
        var older = AttemptCheckpoints.Prepare(_trial, 3, resume: false);
        Write(older, "checkpoint.json", "3");
        var newer = AttemptCheckpoints.Prepare(_trial, 4, resume: true);
        Write(newer, "checkpoint.json", "4");

        AttemptCheckpoints.Promote(_trial, 3);

        Assert.Equal("3", Read(_trial, "checkpoint.json"));
        Assert.Equal("4", Read(newer, "checkpoint.json"));
    }

    [Fact]
    public void Promoting_an_attempt_that_wrote_nothing_removes_it_and_every_older_one_and_keeps_the_promoted_files()
    {
        Write(AttemptCheckpoints.Prepare(_trial, 1, resume: false), "checkpoint.json", "1");
        AttemptCheckpoints.Promote(_trial, 1);
        AttemptCheckpoints.Prepare(_trial, 2, resume: false);
        var older = AttemptCheckpoints.Prepare(_trial, 3, resume: false);
        Write(older, "checkpoint.json", "3");
        AttemptCheckpoints.Prepare(_trial, 4, resume: false);

        AttemptCheckpoints.Promote(_trial, 4);

        Assert.False(Directory.Exists(Path.Combine(_trial, AttemptCheckpoints.FolderName)));
        Assert.Equal("1", Read(_trial, "checkpoint.json"));

        // A retried promotion finds nothing left to do.
        AttemptCheckpoints.Promote(_trial, 4);
    }

    [Fact]
    public void A_resume_skips_an_attempt_that_left_nothing_and_falls_back_to_promoted_files()
    {
        Directory.CreateDirectory(_trial);
        Write(_trial, "checkpoint.json", "promoted");
        var empty = AttemptCheckpoints.Prepare(_trial, 7, resume: true);
        Assert.Equal("promoted", Read(empty, "checkpoint.json"));
        File.Delete(Path.Combine(empty, "checkpoint.json"));
        var withFiles = AttemptCheckpoints.Prepare(_trial, 8, resume: true);
        Write(withFiles, "checkpoint.json", "8");
        AttemptCheckpoints.Prepare(_trial, 9, resume: false);

        var next = AttemptCheckpoints.Prepare(_trial, 10, resume: true);

        Assert.Equal("8", Read(next, "checkpoint.json"));
    }

    [Fact]
    public void A_fresh_attempt_prepared_again_keeps_what_it_wrote()
    {
        var folder = AttemptCheckpoints.Prepare(_trial, 10001, resume: false);
        Assert.Equal("10001", Read(folder, AttemptCheckpoints.MarkerName));
        Write(folder, "checkpoint.json", "epoch 1");

        // A retried call for the same attempt.
        Assert.Equal(folder, AttemptCheckpoints.Prepare(_trial, 10001, resume: false));
        Assert.Equal("epoch 1", Read(folder, "checkpoint.json"));
        Assert.Equal("10001", Read(folder, AttemptCheckpoints.MarkerName));
    }

    [Fact]
    public void The_evaluation_promotes_the_newest_attempt_when_its_own_promotion_was_lost()
    {
        Write(AttemptCheckpoints.Prepare(_trial, 1, resume: false), "checkpoint.json", "1");
        Write(AttemptCheckpoints.Prepare(_trial, 2, resume: true), "checkpoint.json", "2");

        AttemptCheckpoints.PromoteNewest(_trial);

        Assert.Equal("2", Read(_trial, "checkpoint.json"));
        Assert.False(Directory.Exists(Path.Combine(_trial, AttemptCheckpoints.FolderName, "1")));
    }

    public void Dispose()
    {
        var root = Path.GetDirectoryName(_trial)!;
        if (Directory.Exists(root))
        {
            Directory.Delete(root, recursive: true);
        }
    }
}
