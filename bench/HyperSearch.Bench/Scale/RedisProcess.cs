using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using HyperSearch.Silo.Hosting;
using StackExchange.Redis;

namespace HyperSearch.Bench.Scale;

/// <summary>A private redis-server on a free 127.0.0.1 port with a random password, killed on dispose.</summary>
internal sealed class RedisProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly string _directory;

    private RedisProcess(Process process, string directory, int port, string password)
    {
        _process = process;
        _directory = directory;
        Port = port;
        Password = password;
    }

    public int Port { get; }

    public string Password { get; }

    public ConfigurationOptions Options
    {
        get
        {
            var options = ConfigurationOptions.Parse($"127.0.0.1:{Port}");
            options.Password = Password;
            options.AbortOnConnectFail = false;
            return options;
        }
    }

    public static async Task<RedisProcess> StartAsync()
    {
        var server = new[] { "/usr/bin/redis-server", "/usr/local/bin/redis-server" }.FirstOrDefault(File.Exists)
            ?? throw new InvalidOperationException("redis-server is not installed: run scripts/install-deps.sh (apt-get install redis-server)");
        var port = LoopbackPorts.Reserve();
        var password = Convert.ToHexString(RandomNumberGenerator.GetBytes(16)).ToLowerInvariant();
        var directory = Directory.CreateTempSubdirectory("hypersearch-scale-redis-").FullName;
        var start = new ProcessStartInfo(server) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        // Persistence as a production Redis would have it: an append-only file, fsync once a second.
        foreach (var arg in new[] { "--port", port.ToString(CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--save", "", "--appendonly", "yes", "--appendfsync", "everysec", "--daemonize", "no", "--dir", directory, "--requirepass", password })
        {
            start.ArgumentList.Add(arg);
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("redis-server did not start");
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var redis = new RedisProcess(process, directory, port, password);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            try
            {
                await using var connection = await ConnectionMultiplexer.ConnectAsync(redis.Options);
                await connection.GetDatabase().PingAsync();
                return redis;
            }
            catch (Exception) when (DateTime.UtcNow < deadline && !process.HasExited)
            {
                await Task.Delay(200);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
