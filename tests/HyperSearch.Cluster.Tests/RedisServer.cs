using System.Security.Cryptography;
using StackExchange.Redis;

namespace HyperSearch.Cluster.Tests;

/// <summary>A private redis-server on a free 127.0.0.1 port with a random password, stopped on dispose.</summary>
public sealed class RedisServer : IAsyncLifetime
{
    private ChildProcess? _process;

    public int Port { get; } = Ports.Free();

    public string Password { get; } = Convert.ToHexString(RandomNumberGenerator.GetBytes(16)).ToLowerInvariant();

    public string Directory { get; } = Path.Combine(Path.GetTempPath(), $"hypersearch-redis-{Guid.NewGuid():N}");

    /// <summary>The password as a mounted secret would hold it (with a trailing newline).</summary>
    public string PasswordFile => Path.Combine(Directory, "redis-password");

    public string Endpoint => $"127.0.0.1:{Port}";

    public async Task InitializeAsync()
    {
        System.IO.Directory.CreateDirectory(Directory);
        await File.WriteAllTextAsync(PasswordFile, Password + "\n");
        var server = new[] { "/usr/bin/redis-server", "/usr/local/bin/redis-server" }.FirstOrDefault(File.Exists)
            ?? throw new InvalidOperationException("redis-server is not installed: run scripts/install-deps.sh (apt-get install redis-server)");
        var process = _process = ChildProcess.Start("redis-server", server,
            ["--port", Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--daemonize", "no", "--dir", Directory, "--requirepass", Password]);
        var options = ConfigurationOptions.Parse(Endpoint);
        options.Password = Password;
        options.AbortOnConnectFail = false;
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (true)
        {
            try
            {
                await using var redis = await ConnectionMultiplexer.ConnectAsync(options);
                await redis.GetDatabase().PingAsync();
                return;
            }
            catch (Exception) when (DateTime.UtcNow < deadline && !process.HasExited)
            {
                await Task.Delay(200);
            }
        }
    }

    public Task DisposeAsync()
    {
        _process?.Dispose();
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
        }

        return Task.CompletedTask;
    }
}
