using System.Net;

namespace HyperSearch.Monitoring.Tests;

/// <summary>/healthz, /readyz and the Orleans Dashboard switch on real silo processes.</summary>
[Collection(MonitoredSearchCollection.Name)]
public sealed class HealthAndDashboardTests(MonitoredSearch run)
{
    private const string AbsentDevice = "cuda:4095";

    [Fact]
    public async Task A_training_silo_is_alive_ready_once_joined_and_engine_loaded_and_has_no_dashboard_by_default()
    {
        var (live, _) = await run.Silo.GetAsync("/healthz");
        Assert.Equal(HttpStatusCode.OK, live);
        var (ready, reason) = await run.Silo.GetAsync("/readyz");
        Assert.Equal(HttpStatusCode.OK, ready);
        Assert.Contains($"member of cluster {run.Silo.ClusterId}", reason, StringComparison.Ordinal);
        Assert.Contains("training engine loaded", reason, StringComparison.Ordinal);
        var (dashboard, _) = await run.Silo.GetAsync("/dashboard");
        Assert.Equal(HttpStatusCode.NotFound, dashboard);
    }

    [Fact]
    public async Task The_dashboard_switch_serves_the_Orleans_Dashboard_and_an_engine_that_cannot_load_keeps_the_silo_unready()
    {
        // A device ordinal no host has: the engine's probe fails on every build flavour (the CPU build has no CUDA;
        // a CUDA build has no device 4095), so the silo must stay unready whatever it was built with.
        using var silo = SiloProcess.Start("--HyperSearch:Dashboard:Enabled=true", $"--HyperSearch:Training:Device={AbsentDevice}");
        await silo.WaitForAsync("/healthz", HttpStatusCode.OK, TimeSpan.FromSeconds(90));

        var deadline = DateTime.UtcNow.AddSeconds(60);
        var (status, reason) = await silo.GetAsync("/readyz");
        while (reason.Contains("loading", StringComparison.Ordinal) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(250);
            (status, reason) = await silo.GetAsync("/readyz");
        }

        Assert.True(status == HttpStatusCode.ServiceUnavailable, $"/readyz answered {(int)status} {reason}");
        Assert.Contains("training engine failed to load", reason, StringComparison.Ordinal);
        Assert.Contains("cuda", reason, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(HttpStatusCode.OK, (await silo.GetAsync("/healthz")).Status);

        var (dashboard, page) = await silo.GetAsync("/dashboard/");
        Assert.True(dashboard == HttpStatusCode.OK, $"/dashboard/ answered {(int)dashboard}\n{page}\n{silo.Output()}");
        Assert.Contains("<html", page, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(HttpStatusCode.OK, (await silo.GetAsync("/metrics")).Status);
    }
}
