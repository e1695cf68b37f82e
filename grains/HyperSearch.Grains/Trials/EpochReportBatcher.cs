using HyperSearch.Grains.Search;
using HyperSearch.Grains.Slots;
using Microsoft.Extensions.Options;

namespace HyperSearch.Grains.Trials;

/// <summary>Sends this silo's epoch reports to each coordinator in batches: at most one call per coordinator in flight;
/// reports that arrive meanwhile go together in the next call. A report with no call in flight waits the linger
/// (<see cref="TrainingSlotOptions.EpochReportLinger"/>) for others to join it; one that comes during a call waits at
/// most that call's round trip. A coordinator with 1,000 reporting slots gets one call per silo per linger plus round
/// trip instead of one per report.</summary>
/// <remarks>Measured with 1,024 slots reporting every 100 ms over 16 silos (bench <c>scale</c>, shape a): one call per
/// report saturated the coordinator's silo at about 2,000 reports/s with a median call of 200 ms.</remarks>
public sealed class EpochReportBatcher
{
    /// <summary>Most reports in one call.</summary>
    public const int MaxBatch = 512;

    private readonly Func<string, IReadOnlyList<TrialEpochReport>, Task<IReadOnlyList<EpochDecision>>> _send;
    private readonly TimeSpan _linger;
    private readonly Dictionary<string, Lane> _lanes = new(StringComparer.Ordinal);
    private long _calls;
    private long _reports;

    /// <summary>Each batch's call is retried by the cluster's one retry policy for up to a lease period; after that its
    /// reports fail alike and their attempts give up (another attempt will own their trials).</summary>
    public EpochReportBatcher(IGrainFactory grains, IOptions<CoordinatorOptions> options, IOptions<TrainingSlotOptions> slots)
        : this((search, reports) => ClusterRetry.CallAsync(
            () => grains.GetGrain<ISearchGrain>(search).ReportEpochsAsync(reports), options.Value.LeaseTimeout), slots.Value.EpochReportLinger)
    {
    }

    public EpochReportBatcher(Func<string, IReadOnlyList<TrialEpochReport>, Task<IReadOnlyList<EpochDecision>>> send, TimeSpan linger = default)
    {
        _send = send;
        _linger = linger;
    }

    /// <summary>Calls made and reports sent (for tests and diagnostics).</summary>
    public (long Calls, long Reports) Sent => (Interlocked.Read(ref _calls), Interlocked.Read(ref _reports));

    public Task<EpochDecision> ReportAsync(string searchId, int trialNumber, int leaseToken, EpochMetrics epoch)
    {
        var waiting = new Waiting(new TrialEpochReport(trialNumber, leaseToken, epoch));
        List<Waiting>? batch = null;
        lock (_lanes)
        {
            if (!_lanes.TryGetValue(searchId, out var lane))
            {
                _lanes[searchId] = lane = new Lane();
            }

            lane.Pending.Add(waiting);
            if (!lane.Sending)
            {
                lane.Sending = true;
                if (_linger <= TimeSpan.Zero)
                {
                    batch = lane.Take();
                }
                else
                {
                    _ = LingerAsync(searchId);
                }
            }
        }

        if (batch is not null)
        {
            _ = SendAsync(searchId, batch);
        }

        return waiting.Decision.Task;
    }

    /// <summary>Sends what joined the lane within the linger (the lane is marked sending, so nothing else sends).</summary>
    private async Task LingerAsync(string searchId)
    {
        await Task.Delay(_linger).ConfigureAwait(false);
        List<Waiting> batch;
        lock (_lanes)
        {
            batch = _lanes[searchId].Take();
        }

        await SendAsync(searchId, batch).ConfigureAwait(false);
    }

    private async Task SendAsync(string searchId, List<Waiting>? batch)
    {
        while (batch is not null)
        {
            Interlocked.Increment(ref _calls);
            Interlocked.Add(ref _reports, batch.Count);
            try
            {
                var decisions = await _send(searchId, batch.Select(w => w.Report).ToList()).ConfigureAwait(false);
                if (decisions.Count != batch.Count)
                {
                    throw new InvalidOperationException($"search {searchId}: {decisions.Count} decisions for {batch.Count} epoch reports");
                }

                for (var i = 0; i < batch.Count; i++)
                {
                    batch[i].Decision.TrySetResult(decisions[i]);
                }
            }
            catch (Exception e)
            {
                // Every report of the call failed alike, after the retries.
                foreach (var waiting in batch)
                {
                    waiting.Decision.TrySetException(e);
                }
            }

            lock (_lanes)
            {
                var lane = _lanes[searchId];
                batch = lane.Pending.Count > 0 ? lane.Take() : null;
                if (batch is null)
                {
                    lane.Sending = false;
                    _lanes.Remove(searchId);
                }
            }
        }
    }

    private sealed class Lane
    {
        public List<Waiting> Pending { get; } = [];

        public bool Sending { get; set; }

        public List<Waiting> Take()
        {
            var count = Math.Min(MaxBatch, Pending.Count);
            var batch = Pending.GetRange(0, count);
            Pending.RemoveRange(0, count);
            return batch;
        }
    }

    /// <summary>Continuations run on the thread that completes the call: the waiting training thread resumes at once.</summary>
    private sealed record Waiting(TrialEpochReport Report)
    {
        public TaskCompletionSource<EpochDecision> Decision { get; } = new();
    }
}
