namespace HyperSearch.Silo.Hosting;

/// <summary>A whole single-silo cluster inside the calling process (localhost clustering on free ports, in-memory
/// storage, no services): what `hypersearch run` and the benchmarks train on.</summary>
public static class EmbeddedSilo
{
    /// <param name="stateDirectory">Where grain state is kept so a search outlives the process; null keeps it in memory.</param>
    public static IHost Build(string clusterId, string checkpointDirectory, int slots, int? threads, string? dataDirectory, bool verbose, string? stateDirectory = null)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        // Logs go to stderr: stdout carries the results (one JSON object with --json).
        builder.Logging.AddSimpleConsole(o => o.SingleLine = true)
            .AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace).SetMinimumLevel(verbose ? LogLevel.Information : LogLevel.Warning);
        builder.Logging.AddFilter("Orleans", verbose ? LogLevel.Information : LogLevel.Error);
        builder.AddHyperSearchSilo(o =>
        {
            o.Clustering = "localhost";
            o.SiloPort = LoopbackPorts.Reserve();
            o.GatewayPort = LoopbackPorts.Reserve();
            o.ClusterId = clusterId;
            o.CheckpointDirectory = checkpointDirectory;
            o.DataDirectory = dataDirectory;
            o.StateDirectory = stateDirectory;
            o.Training.Enabled = true;
            o.Training.Slots = slots;
            o.Training.Threads = threads;
        });
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(30));
        // An idle slot's long poll holds the registry grain until it returns, and the silo's stop waits for it:
        // a short poll lets `run` exit promptly (one local call a second is nothing).
        builder.Services.Configure<HyperSearch.Grains.Slots.TrainingSlotOptions>(o => o.IdlePoll = TimeSpan.FromSeconds(1));
        return builder.Build();
    }
}
