using HyperSearch.Contracts.Grains;
using HyperSearch.Contracts.Specs;
using HyperSearch.Contracts.Trials;
using HyperSearch.Grains.Search;
using HyperSearch.Silo.Hosting;
using HyperSearch.Specs;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace HyperSearch.Cluster.Tests;

/// <summary>Cluster mode against a real redis-server: membership (the client finds gateways through Redis), grain
/// state that outlives every silo, the coordinator reminder, and a password that never reaches a log.</summary>
public sealed class RedisClusterTests(RedisServer redis) : IClassFixture<RedisServer>
{
    private static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(30);

    private Task<IHost> StartSiloAsync(string clusterId, LogSink logs, bool training = false) => TestHosts.StartSiloAsync(o =>
    {
        o.Clustering = "redis";
        o.ClusterId = clusterId;
        o.AdvertisedAddress = "127.0.0.1";
        o.SiloPort = Ports.Free();
        o.GatewayPort = Ports.Free();
        o.Redis.ConnectionString = redis.Endpoint;
        o.Redis.PasswordFile = redis.PasswordFile;
        o.Training.Enabled = training;
        o.Training.Threads = 1;
    }, logs);

    private Task<IHost> StartClientAsync(string clusterId, LogSink logs) => TestHosts.StartClientAsync(c =>
    {
        c.UseRedisClustering(o => o.ConfigurationOptions = RedisConnection.Create(redis.Endpoint, redis.PasswordFile));
        c.Configure<Orleans.Configuration.ClusterOptions>(o =>
        {
            o.ServiceId = "hypersearch";
            o.ClusterId = clusterId;
        });
    }, ConnectTimeout, logs);

    [Fact]
    public async Task A_search_outlives_every_silo_and_keeps_its_reminder_while_unfinished()
    {
        var clusterId = $"redis-{Guid.NewGuid():N}"[..14];
        var logs = new LogSink();
        var searchId = $"persisted-{Guid.NewGuid():N}"[..18];
        var parsed = SpecParser.Parse(SpecYaml);
        var spec = parsed.Spec ?? throw new InvalidOperationException(string.Join("; ", parsed.Errors));
        TrialRecord first;

        // Generation 1: one training silo runs the search until a real trial (the built-in trainer on Fashion-MNIST)
        // has completed, then every silo stops.
        var silo = await StartSiloAsync(clusterId, logs, training: true);
        var client = await StartClientAsync(clusterId, logs);
        try
        {
            var search = client.Grains().GetGrain<ISearchGrain>(searchId);
            await search.StartAsync(spec);
            var reminders = silo.Services.GetRequiredService<IReminderTable>();
            var rows = await reminders.ReadRows(search.GetGrainId());
            Assert.Contains(rows.Reminders, r => r.ReminderName == SearchGrain.ReminderName);

            await WaitAsync(search, s => s.Count(TrialState.Completed) >= 1, TimeSpan.FromMinutes(3), "a completed trial");
            first = (await search.GetTrialsAsync()).First(t => t.State == TrialState.Completed);
            Assert.Equal(Enumerable.Range(1, Epochs), first.Epochs.Select(e => e.Epoch));
            Assert.Equal(SearchState.Running, (await search.GetStatusAsync()).State);
        }
        finally
        {
            await client.StopQuietlyAsync();
            await silo.StopQuietlyAsync();
        }

        // Generation 2: nothing of the first silo is left but what Redis holds (and the shared checkpoints).
        silo = await StartSiloAsync(clusterId, logs, training: true);
        client = await StartClientAsync(clusterId, logs);
        try
        {
            var search = client.Grains().GetGrain<ISearchGrain>(searchId);
            Assert.Equal(spec.Name, (await search.GetSpecAsync())!.Name);
            var listed = await client.Grains().GetGrain<ISearchRegistryGrain>(0).ListAsync();
            Assert.Contains(listed, s => s.SearchId == searchId);

            // The completed trial came back from Redis whole, and the search goes on to its end without running it again.
            var restored = (await search.GetTrialsAsync()).Single(t => t.Number == first.Number);
            Assert.Equal(TrialState.Completed, restored.State);
            Assert.Equal(first.Attempt, restored.Attempt);
            Assert.Equal(first.Epochs.Select(e => e.Get(EpochMetrics.ValAccuracy)), restored.Epochs.Select(e => e.Get(EpochMetrics.ValAccuracy)));

            var status = await WaitAsync(search, s => s.State.IsFinished(), TimeSpan.FromMinutes(3), "the search to finish");
            Assert.Equal(SearchState.Completed, status.State);
            Assert.NotNull(status.Test);
            var trials = await search.GetTrialsAsync();
            Assert.Equal(spec.Search.MaxTrials, trials.Count);
            Assert.All(trials, t => Assert.Equal(TrialState.Completed, t.State));
            var again = trials.Single(t => t.Number == first.Number);
            Assert.Equal(first.Attempt, again.Attempt);
            Assert.Equal(first.EndedAt, again.EndedAt);

            // Finished: the reminder goes with it (removed just after the state changes, so wait for it).
            var reminders = silo.Services.GetRequiredService<IReminderTable>();
            var gone = DateTime.UtcNow.AddSeconds(30);
            while ((await reminders.ReadRows(search.GetGrainId())).Reminders.Any(r => r.ReminderName == SearchGrain.ReminderName))
            {
                Assert.True(DateTime.UtcNow < gone, "the finished search's reminder was still registered after 30 s");
                await Task.Delay(200);
            }
        }
        finally
        {
            await client.StopQuietlyAsync();
            await silo.StopQuietlyAsync();
        }

        Assert.NotEmpty(logs.Lines);
        Assert.DoesNotContain(logs.Lines, line => line.Contains(redis.Password, StringComparison.Ordinal));
    }

    [Fact]
    public void The_password_comes_from_the_secret_file_and_is_never_described()
    {
        var options = RedisConnection.Create(redis.Endpoint, redis.PasswordFile, database: 2);
        Assert.Equal(redis.Password, options.Password);
        Assert.Equal(2, options.DefaultDatabase);
        Assert.DoesNotContain(redis.Password, RedisConnection.Describe(options), StringComparison.Ordinal);
        var missing = Assert.Throws<InvalidOperationException>(() => RedisConnection.Create(redis.Endpoint, Path.Combine(redis.Directory, "missing")));
        Assert.Contains("missing", missing.Message, StringComparison.Ordinal);
    }

    /// <summary>The environment variable, in silo processes of their own (this process's environment is shared by every
    /// test): with only REDIS_PASSWORD a silo joins the Redis cluster; with a wrong REDIS_PASSWORD and the secret file,
    /// the file wins; with only a wrong REDIS_PASSWORD it never becomes a member.</summary>
    [Fact]
    public async Task A_silo_process_takes_the_password_from_the_environment_when_no_file_is_set_and_from_the_file_first()
    {
        var clusterId = $"redis-env-{Guid.NewGuid():N}"[..18];
        using var fromEnvironment = SiloProcess.Start(redis, clusterId, environmentPassword: redis.Password, passwordFile: null);
        using var fileFirst = SiloProcess.Start(redis, clusterId, environmentPassword: "wrong-" + redis.Password, passwordFile: redis.PasswordFile);
        using var wrong = SiloProcess.Start(redis, $"redis-bad-{Guid.NewGuid():N}"[..18], environmentPassword: "wrong-" + redis.Password, passwordFile: null);

        await fromEnvironment.WaitUntilReadyAsync(TimeSpan.FromMinutes(2));
        await fileFirst.WaitUntilReadyAsync(TimeSpan.FromMinutes(2));
        var (ready, reason) = await wrong.ReadinessAsync();
        Assert.False(ready, $"a silo with a wrong password became ready: {reason}\n{wrong.Output()}");

        foreach (var silo in new[] { fromEnvironment, fileFirst, wrong })
        {
            Assert.DoesNotContain(redis.Password, silo.Output(), StringComparison.Ordinal);
        }
    }

    private static async Task<SearchStatus> WaitAsync(ISearchGrain search, Func<SearchStatus, bool> done, TimeSpan timeout, string what)
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
            await Task.Delay(250);
        }
    }

    private const int Epochs = 2;

    private const string SpecYaml = """
        name: redis-persisted
        dataset:
          name: fashion-mnist
          train_subset: 1000
          validation_fraction: 0.2
        search: { sampler: grid, scheduler: none, max_trials: 2, max_concurrent: 1, seed: 3 }
        training: { epochs: 2, conv1_filters: 8, conv2_filters: 16, dense_units: 32, batch_size: 64 }
        space:
          learning_rate: { choice: [0.003, 0.001] }
        """;
}
