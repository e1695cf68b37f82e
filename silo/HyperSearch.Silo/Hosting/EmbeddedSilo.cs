namespace HyperSearch.Silo.Hosting;

/// <summary>A whole single-silo cluster inside the calling process (localhost clustering on free ports, in-memory
/// storage, no services): what `hypersearch run` and the benchmarks train on.</summary>
public static class EmbeddedSilo
{
    public static IHost Build(string clusterId, string checkpointDirectory, int slots, int? threads, string? dataDirectory, bool verbose)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Logging.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(verbose ? LogLevel.Information : LogLevel.Warning);
        builder.Logging.AddFilter("Orleans", verbose ? LogLevel.Information : LogLevel.Error);
        builder.AddHyperSearchSilo(o =>
        {
            o.Clustering = "localhost";
            o.SiloPort = LoopbackPorts.Reserve();
            o.GatewayPort = LoopbackPorts.Reserve();
            o.ClusterId = clusterId;
            o.CheckpointDirectory = checkpointDirectory;
            o.DataDirectory = dataDirectory;
            o.Training.Enabled = true;
            o.Training.Slots = slots;
            o.Training.Threads = threads;
        });
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(30));
        return builder.Build();
    }
}
