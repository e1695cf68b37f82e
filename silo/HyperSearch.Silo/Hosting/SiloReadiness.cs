using HyperSearch.Training;

namespace HyperSearch.Silo.Hosting;

/// <summary>Ready once the silo has joined the cluster (hosted services start after Orleans' own) and, on a
/// training silo, the training engine's native library has loaded.</summary>
public sealed class SiloReadiness(HyperSearchOptions options, ILogger<SiloReadiness> logger) : IHostedService
{
    public bool IsReady { get; private set; }

    public string Reason { get; private set; } = "silo starting";

    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (options.Training.Enabled)
        {
            try
            {
                _ = TorchRuntime.CudaAvailable;
            }
            catch (Exception e)
            {
                Reason = $"training engine failed to load: {e.Message}";
                logger.LogError(e, "training engine failed to load");
                return Task.CompletedTask;
            }
        }

        IsReady = true;
        Reason = "ready";
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        IsReady = false;
        Reason = "shutting down";
        return Task.CompletedTask;
    }
}
