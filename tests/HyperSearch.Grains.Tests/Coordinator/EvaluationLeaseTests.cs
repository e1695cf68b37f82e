using HyperSearch.Contracts.Trials;

namespace HyperSearch.Grains.Tests.Coordinator;

/// <summary>The winner's test evaluation holds a lease of its own, renewed by heartbeats and fenced by its token.</summary>
public sealed class EvaluationLeaseTests
{
    private static readonly TimeSpan Lease = TimeSpan.FromSeconds(30);

    [Fact]
    public void A_heartbeating_evaluation_keeps_its_lease_and_a_silent_one_is_leased_again_with_a_new_token()
    {
        var h = new CoordinatorHarness(TestSpecs.Make(maxTrials: 1, maxConcurrent: 1));
        h.Finish(h.Lease()!);
        var first = h.Lease("a")!;
        Assert.Equal(WorkKind.EvaluateTest, first.Kind);

        // Renewed within every lease period: never handed to another slot.
        for (var i = 0; i < 3; i++)
        {
            h.Now += Lease - TimeSpan.FromSeconds(1);
            Assert.True(h.Coordinator.HeartbeatEvaluation(first.LeaseToken, h.Now));
            Assert.Empty(h.Coordinator.ExpireLeases(h.Now, Lease));
            Assert.Null(h.Lease("b"));
        }

        // Silent past the lease: the next slot gets it under a new token, and the old token is refused.
        h.Now += Lease + TimeSpan.FromSeconds(1);
        h.Coordinator.ExpireLeases(h.Now, Lease);
        var second = h.Lease("b")!;
        Assert.Equal(WorkKind.EvaluateTest, second.Kind);
        Assert.NotEqual(first.LeaseToken, second.LeaseToken);
        Assert.False(h.Coordinator.HeartbeatEvaluation(first.LeaseToken, h.Now));
        Assert.True(h.Coordinator.HeartbeatEvaluation(second.LeaseToken, h.Now));
    }

    [Fact]
    public void A_trial_heartbeat_does_not_renew_the_evaluation_lease()
    {
        // Trial and evaluation leases are kept apart: renewing one never keeps the other alive.
        var h = new CoordinatorHarness(TestSpecs.Make(maxTrials: 2, maxConcurrent: 2));
        var winner = h.Lease("a")!;
        var other = h.Lease("b")!;
        h.Finish(winner);
        h.Finish(other);
        var evaluation = h.Lease("c")!;
        Assert.Equal(WorkKind.EvaluateTest, evaluation.Kind);

        h.Now += Lease + TimeSpan.FromSeconds(1);
        Assert.False(h.Coordinator.Heartbeat(evaluation.TrialNumber, evaluation.LeaseToken, h.Now));
        h.Coordinator.ExpireLeases(h.Now, Lease);
        Assert.Equal(WorkKind.EvaluateTest, h.Lease("d")!.Kind);
    }
}
