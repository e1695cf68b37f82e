using HyperSearch.Contracts.Grains;
using HyperSearch.Contracts.Specs;
using HyperSearch.Contracts.Trials;
using HyperSearch.Grains.Search;
using HyperSearch.Silo.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace HyperSearch.Cluster.Tests;

/// <summary>Cluster mode against a real redis-server: membership (the client finds gateways through Redis), grain
/// state that outlives every silo, the coordinator reminder, and a password that never reaches a log.</summary>
public sealed class RedisClusterTests(RedisServer redis) : IClassFixture<RedisServer>
{
    private static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(30);

    private Task<IHost> StartSiloAsync(string clusterId, LogSink logs) => TestHosts.StartSiloAsync(o =>
    {
        o.Clustering = "redis";
        o.ClusterId = clusterId;
        o.AdvertisedAddress = "127.0.0.1";
        o.SiloPort = Ports.Free();
        o.GatewayPort = Ports.Free();
        o.Redis.ConnectionString = redis.Endpoint;
        o.Redis.PasswordFile = redis.PasswordFile;
        // Cluster mode runs only allow-listed programs in command trials.
        o.Security.CommandAllowList = ["/usr/bin/python3"];
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
        var spec = SpecParser.Parse(SpecYaml).Spec ?? throw new InvalidOperationException(string.Join("; ", SpecParser.Parse(SpecYaml).Errors));

        var silo = await StartSiloAsync(clusterId, logs);
        var client = await StartClientAsync(clusterId, logs);
        try
        {
            await client.Grains().GetGrain<ISearchGrain>(searchId).StartAsync(spec);
            var reminders = silo.Services.GetRequiredService<IReminderTable>();
            var grainId = client.Grains().GetGrain<ISearchGrain>(searchId).GetGrainId();
            var rows = await reminders.ReadRows(grainId);
            Assert.Contains(rows.Reminders, r => r.ReminderName == SearchGrain.ReminderName);
        }
        finally
        {
            await client.StopQuietlyAsync();
            await silo.StopQuietlyAsync();
        }

        // A whole new cluster generation: nothing of the first silo is left but what Redis holds.
        silo = await StartSiloAsync(clusterId, logs);
        client = await StartClientAsync(clusterId, logs);
        try
        {
            var search = client.Grains().GetGrain<ISearchGrain>(searchId);
            var status = await search.GetStatusAsync();
            Assert.Equal(SearchState.Running, status.State);
            Assert.Equal(spec.Name, (await search.GetSpecAsync())!.Name);
            var listed = await client.Grains().GetGrain<ISearchRegistryGrain>(0).ListAsync();
            Assert.Contains(listed, s => s.SearchId == searchId);

            // Cancelling finishes it (no slots, nothing runs): the reminder goes with it.
            await search.CancelAsync();
            Assert.Equal(SearchState.Cancelled, (await search.GetStatusAsync()).State);
            var reminders = silo.Services.GetRequiredService<IReminderTable>();
            var rows = await reminders.ReadRows(search.GetGrainId());
            Assert.DoesNotContain(rows.Reminders, r => r.ReminderName == SearchGrain.ReminderName);
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
    public void The_password_comes_from_the_secret_file_first_then_the_environment_and_is_never_described()
    {
        var options = RedisConnection.Create(redis.Endpoint, redis.PasswordFile, database: 2);
        Assert.Equal(redis.Password, options.Password);
        Assert.Equal(2, options.DefaultDatabase);
        Assert.DoesNotContain(redis.Password, RedisConnection.Describe(options), StringComparison.Ordinal);

        var previous = Environment.GetEnvironmentVariable(RedisConnection.PasswordVariable);
        Environment.SetEnvironmentVariable(RedisConnection.PasswordVariable, "from-environment");
        try
        {
            Assert.Equal("from-environment", RedisConnection.Create(redis.Endpoint).Password);
            Assert.Equal(redis.Password, RedisConnection.Create(redis.Endpoint, redis.PasswordFile).Password);
        }
        finally
        {
            Environment.SetEnvironmentVariable(RedisConnection.PasswordVariable, previous);
        }

        Assert.Throws<InvalidOperationException>(() => RedisConnection.Create(redis.Endpoint, Path.Combine(redis.Directory, "missing")));
    }

    private const string SpecYaml = """
        name: redis-persisted
        dataset: synthetic
        search: { sampler: random, scheduler: none, max_trials: 4, max_concurrent: 2, seed: 3 }
        training: { epochs: 2, seconds_per_epoch: 0.1 }
        space:
          learning_rate: { loguniform: [1.0e-4, 1.0e-2] }
        trainer:
          command: [/usr/bin/python3, train.py]
        """;
}
