using HyperSearch.Grains.Telemetry;
using HyperSearch.Silo.Hosting;
using OpenTelemetry.Metrics;
using Orleans.Dashboard;

namespace HyperSearch.Silo.Monitoring;

/// <summary>What a silo serves for operators: /metrics (OpenTelemetry's Prometheus exporter: the HyperSearch meter,
/// Orleans' Microsoft.Orleans meter, .NET runtime and process metrics), /healthz (liveness), /readyz (readiness,
/// <see cref="SiloReadiness"/>) and, behind <c>HyperSearch:Dashboard:Enabled</c>, the Orleans Dashboard under
/// <see cref="DashboardPath"/>.</summary>
public static class SiloMonitoring
{
    public const string MetricsPath = "/metrics";
    public const string LivenessPath = "/healthz";
    public const string ReadinessPath = "/readyz";
    public const string DashboardPath = "/dashboard";

    /// <summary>Configuration section of the dashboard switch; its other keys bind to Orleans' DashboardOptions
    /// (CounterUpdateIntervalMs, HistoryLength, HideTrace).</summary>
    public const string DashboardSection = "HyperSearch:Dashboard";

    /// <summary>The meter Orleans 10 records its runtime metrics with.</summary>
    public const string OrleansMeterName = "Microsoft.Orleans";

    public static bool DashboardEnabled(IConfiguration configuration) =>
        configuration.GetValue<bool>($"{DashboardSection}:Enabled");

    /// <summary>Registers the metrics pipeline and the readiness check.</summary>
    public static void AddHyperSearchMonitoring(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOpenTelemetry().WithMetrics(metrics => metrics
            .AddMeter(HyperSearchMetrics.MeterName, OrleansMeterName)
            .AddRuntimeInstrumentation()
            .AddProcessInstrumentation()
            .AddPrometheusExporter());
        builder.Services.AddSingleton<SiloReadiness>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<SiloReadiness>());
    }

    /// <summary>The silo part of the Orleans Dashboard; pass to AddHyperSearchSilo's configureSilo hook.</summary>
    public static void AddDashboard(ISiloBuilder silo, IConfiguration configuration) =>
        silo.AddDashboard(options => configuration.GetSection(DashboardSection).Bind(options));

    public static void MapHyperSearchMonitoring(this WebApplication app, bool dashboard)
    {
        app.MapPrometheusScrapingEndpoint(MetricsPath);
        app.MapGet(LivenessPath, () => Results.Text("alive\n"));
        app.MapGet(ReadinessPath, (SiloReadiness readiness) =>
        {
            var (ready, reason) = readiness.Check();
            return ready
                ? Results.Text(reason + "\n")
                : Results.Text(reason + "\n", statusCode: StatusCodes.Status503ServiceUnavailable);
        });
        if (dashboard)
        {
            app.MapOrleansDashboard(routePrefix: DashboardPath);
        }
    }
}
