using System.Collections.Concurrent;
using System.Diagnostics;
using HyperSearch.Contracts.Grains;
using HyperSearch.Contracts.Trials;
using HyperSearch.Grains.Hosting;
using HyperSearch.Grains.Search;
using HyperSearch.Grains.Trials;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Runtime.Hosting;
using Orleans.Serialization;
using Orleans.Storage;
using Orleans.TestingHost;

namespace HyperSearch.Grains.Tests.Cluster;

/// <summary>What the tests of the documented failure semantics observe and inject around the real grains of an
/// in-process cluster: every call that reaches a coordinator (method, trial, lease token, when it arrived and when it
/// returned), every write the coordinator makes to its grain storage, a partition that loses chosen heartbeats on
/// their way to the coordinator, and a gate that holds storage writes.</summary>
public sealed class ClusterProbe
{
    private readonly ConcurrentQueue<CoordinatorCall> _calls = new();
    private readonly ConcurrentQueue<StorageWrite> _writes = new();
    private readonly ConcurrentDictionary<(int Trial, int LeaseToken), bool> _partitioned = new();
    private volatile TaskCompletionSource _gate = Open();

    /// <summary>Arrivals and completions are measured on one monotonic clock, from this moment.</summary>
    public Stopwatch Clock { get; } = Stopwatch.StartNew();

    public IReadOnlyList<CoordinatorCall> Calls => [.. _calls];

    public IReadOnlyList<StorageWrite> Writes => [.. _writes];

    public IEnumerable<CoordinatorCall> CallsTo(string method) => _calls.Where(c => c.Method == method);

    /// <summary>From now on heartbeats of this attempt are lost before they reach the coordinator (its silo looks dead).</summary>
    public void Partition(int trial, int leaseToken) => _partitioned[(trial, leaseToken)] = true;

    public void Heal(int trial, int leaseToken) => _partitioned.TryRemove((trial, leaseToken), out _);

    /// <summary>Storage writes that start from now on wait until <see cref="ReleaseWrites"/>.</summary>
    public void HoldWrites()
    {
        if (_gate.Task.IsCompleted)
        {
            _gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }
    }

    public void ReleaseWrites() => _gate.TrySetResult();

    internal async Task OnCallAsync(IIncomingGrainCallContext context)
    {
        if (context.InterfaceName is not { } name || !name.Contains(nameof(ISearchGrain), StringComparison.Ordinal))
        {
            await context.Invoke();
            return;
        }

        var request = context.Request;
        var trial = request.GetArgumentCount() >= 2 && request.GetArgument(0) is int t ? t : -1;
        var leaseToken = request.GetArgumentCount() >= 2 && request.GetArgument(1) is int a ? a : -1;
        if (context.MethodName == nameof(ISearchGrain.HeartbeatAsync) && _partitioned.ContainsKey((trial, leaseToken)))
        {
            throw new TimeoutException($"test partition: heartbeat of trial {trial} lease {leaseToken} lost");
        }

        var call = new CoordinatorCall(context.MethodName, trial, leaseToken, Clock.Elapsed);
        _calls.Enqueue(call);
        try
        {
            await context.Invoke();
            call.Result = context.Result;
        }
        finally
        {
            call.Returned = Clock.Elapsed;
        }
    }

    internal async Task OnWriteAsync(string stateName, GrainId grainId)
    {
        await _gate.Task;
        _writes.Enqueue(new StorageWrite(stateName, grainId.Key.ToString()!, Clock.Elapsed));
    }

    private static TaskCompletionSource Open()
    {
        var open = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        open.SetResult();
        return open;
    }
}

public sealed class CoordinatorCall(string method, int trial, int leaseToken, TimeSpan arrived)
{
    public string Method { get; } = method;

    public int Trial { get; } = trial;

    public int LeaseToken { get; } = leaseToken;

    public TimeSpan Arrived { get; } = arrived;

    public TimeSpan? Returned { get; set; }

    public object? Result { get; set; }

    public override string ToString() => $"{Method}({Trial}, {LeaseToken}) at {Arrived.TotalMilliseconds:0} ms";
}

/// <summary>One write to grain storage: which record (snapshot "search" or journal "search-journal"), of which
/// search, when it reached storage.</summary>
public sealed record StorageWrite(string StateName, string SearchId, TimeSpan At);

/// <summary>The shared in-memory grain storage of the in-process tests, reporting each write to the probe first.</summary>
internal sealed class ProbedGrainStorage(SharedMemoryGrainStorage inner, ClusterProbe probe) : IGrainStorage
{
    public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) => inner.ReadStateAsync(stateName, grainId, grainState);

    public async Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        await probe.OnWriteAsync(stateName, grainId);
        await inner.WriteStateAsync(stateName, grainId, grainState);
    }

    public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) => inner.ClearStateAsync(stateName, grainId, grainState);
}

/// <summary>In-process clusters of the real grains, with each silo's runner, slots and coordinator options chosen by
/// the test, and the probe around every coordinator and its storage.</summary>
internal static class ProbedCluster
{
    /// <summary>The tests of this kind run one cluster at a time: each holds timing expectations (leases, write
    /// spacing) that a second cluster on a two-core machine would only make slower.</summary>
    public const string Collection = "probed in-process clusters";

    public static async Task<InProcessTestCluster> StartAsync(
        ClusterProbe probe,
        Func<string, ITrialRunner> runnerForSilo,
        int[] slotsPerSilo,
        Action<CoordinatorOptions> coordinator)
    {
        var store = new ConcurrentDictionary<string, (byte[] Data, string ETag)>();
        var builder = new InProcessTestClusterBuilder((short)slotsPerSilo.Length);
        builder.ConfigureSilo((options, silo) =>
        {
            var index = int.Parse(options.SiloName.Split('_')[^1], System.Globalization.CultureInfo.InvariantCulture);
            var slots = index < slotsPerSilo.Length ? slotsPerSilo[index] : slotsPerSilo[^1];
            silo.Services.AddGrainStorage(StorageNames.Searches, (services, _) =>
                new ProbedGrainStorage(new SharedMemoryGrainStorage(store, services.GetRequiredService<Serializer>()), probe));
            silo.AddIncomingGrainCallFilter(probe.OnCallAsync);
            silo.AddHyperSearch(
                s =>
                {
                    s.Enabled = slots > 0;
                    s.Slots = slots;
                    s.IdlePoll = TimeSpan.FromSeconds(2);
                },
                c =>
                {
                    c.HeartbeatInterval = TimeSpan.FromMilliseconds(200);
                    c.TickInterval = TimeSpan.FromMilliseconds(100);
                    coordinator(c);
                });
            silo.Services.AddSingleton(runnerForSilo(options.SiloName));
        });
        var cluster = builder.Build();
        await cluster.DeployAsync();
        return cluster;
    }

    /// <summary>Polls until <paramref name="done"/> holds; fails with <paramref name="what"/> and the last status.</summary>
    public static async Task<SearchStatus> WaitAsync(ISearchGrain search, Func<SearchStatus, bool> done, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var status = await search.GetStatusAsync();
            if (done(status))
            {
                return status;
            }

            Assert.True(DateTime.UtcNow < deadline, $"timed out after {timeout} waiting for {what}: {status.State}, {string.Join(", ", status.TrialsByState)}");
            await Task.Delay(50);
        }
    }

    /// <summary>Polls until <paramref name="done"/> holds, or fails saying what it waited for.</summary>
    public static async Task WaitForAsync(Func<bool> done, TimeSpan timeout, Func<string> what)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!done())
        {
            Assert.True(DateTime.UtcNow < deadline, $"timed out after {timeout} waiting for {what()}");
            await Task.Delay(20);
        }
    }
}
