using HyperSearch.Grains.Telemetry;
using HyperSearch.Training;
using Orleans.Runtime;
using TorchSharp;

namespace HyperSearch.Silo.Hosting;

/// <summary>What /readyz answers: ready while the cluster's membership lists this silo as Active and, on a
/// training silo, once the training engine has run a small tensor operation on its configured device.</summary>
/// <remarks>Membership is read on every probe, so a silo that is shutting down or was declared dead stops being
/// ready. The engine check runs once in the background at start; a failure keeps the silo unready (its reason
/// is in the /readyz body and the log) but alive, so an operator can read why.</remarks>
public sealed class SiloReadiness(
    HyperSearchOptions options,
    IServiceProvider services,
    ILogger<SiloReadiness> logger) : IHostedService
{
    /// <summary>Publishes readiness as hypersearch_silo_ready (1 ready, 0 not).</summary>
    public SiloReadiness(HyperSearchOptions options, IServiceProvider services, ILogger<SiloReadiness> logger, HyperSearchMetrics metrics)
        : this(options, services, logger) =>
        metrics.ObserveReadiness(() => Check().Ready);

    private volatile string? _engineProblem = options.Training.Enabled ? "training engine loading" : null;
    private volatile bool _stopping;

    /// <summary>Whether the silo is ready, and if not, why.</summary>
    public (bool Ready, string Reason) Check()
    {
        if (_stopping)
        {
            return (false, "shutting down");
        }

        var membership = services.GetService<IClusterMembershipService>();
        var local = services.GetService<ILocalSiloDetails>();
        if (membership is null || local is null)
        {
            return (false, "silo not started");
        }

        var status = membership.CurrentSnapshot.GetSiloStatus(local.SiloAddress);
        if (status != SiloStatus.Active)
        {
            return (false, $"silo {local.SiloAddress} is {status} in the cluster membership, not Active");
        }

        if (_engineProblem is { } problem)
        {
            return (false, problem);
        }

        return (true, options.Training.Enabled ? $"ready: member of cluster {local.ClusterId}, training engine loaded" : $"ready: member of cluster {local.ClusterId}");
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (options.Training.Enabled)
        {
            // Loading libtorch takes seconds; liveness and metrics must not wait for it.
            _ = Task.Run(ProbeEngine, CancellationToken.None);
        }

        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        _stopping = true;
        return Task.CompletedTask;
    }

    private void ProbeEngine()
    {
        try
        {
            var device = TorchRuntime.ResolveDevice(options.Training.Device);
            float sum;
            using (torch.NewDisposeScope())
            {
                sum = torch.ones(4, device: device).sum().cpu().item<float>();
            }

            if (sum != 4f)
            {
                throw new InvalidOperationException($"a 4-element sum of ones on {device} gave {sum}");
            }

            _engineProblem = null;
            logger.LogInformation("training engine loaded: libtorch on {Device}", device);
        }
        catch (Exception e)
        {
            _engineProblem = $"training engine failed to load: {e.GetBaseException().Message}";
            logger.LogError(e, "training engine failed to load; this silo stays unready");
        }
    }
}
