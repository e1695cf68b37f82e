using HyperSearch.Grains.Telemetry;
using HyperSearch.Silo.Hosting;
using OpenTelemetry.Metrics;

var builder = WebApplication.CreateBuilder(args);
var options = builder.AddHyperSearchSilo();

builder.Services.AddOpenTelemetry().WithMetrics(metrics => metrics
    .AddMeter(HyperSearchMetrics.MeterName, "Microsoft.Orleans")
    .AddRuntimeInstrumentation()
    .AddProcessInstrumentation()
    .AddPrometheusExporter());
builder.Services.AddSingleton<SiloReadiness>();
builder.Services.AddHostedService(sp => sp.GetRequiredService<SiloReadiness>());

var app = builder.Build();
app.MapPrometheusScrapingEndpoint();
app.MapGet("/healthz", () => Results.Ok("alive"));
app.MapGet("/readyz", (SiloReadiness readiness) => readiness.IsReady
    ? Results.Ok("ready")
    : Results.Problem(readiness.Reason, statusCode: StatusCodes.Status503ServiceUnavailable));

app.Logger.LogInformation("HyperSearch silo: clustering {Clustering}, training {Training} ({Slots} slot(s))",
    options.Clustering, options.Training.Enabled, options.Training.Enabled ? options.Training.Slots : 0);
await app.RunAsync();
