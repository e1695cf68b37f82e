using HyperSearch.Silo.Hosting;
using HyperSearch.Silo.Monitoring;
using HyperSearch.Silo.Ui;
using HyperSearch.Ui;

var builder = WebApplication.CreateBuilder(args);
if (string.IsNullOrEmpty(builder.Configuration["urls"]))
{
    // The default in code, not appsettings.json: there it would override ASPNETCORE_URLS (the manifests' setting).
    builder.WebHost.UseUrls("http://0.0.0.0:8080");
}

// Orleans' placement resilience pipeline logs every call at Information.
builder.Logging.AddFilter("Polly", LogLevel.Warning);
var dashboard = SiloMonitoring.DashboardEnabled(builder.Configuration);
var options = builder.AddHyperSearchSilo(configureSilo: (silo, _) =>
{
    if (dashboard)
    {
        SiloMonitoring.AddDashboard(silo, builder.Configuration);
    }
});
builder.AddHyperSearchMonitoring();
builder.AddHyperSearchUi(options);

var app = builder.Build();
app.MapHyperSearchMonitoring(dashboard);
app.MapHyperSearchUi();

foreach (var key in UnknownSettings.Find(builder.Configuration))
{
    app.Logger.LogWarning("unknown setting {Key}: nothing reads it (a misspelt name?); it has no effect", key);
}

app.Logger.LogInformation("HyperSearch silo: clustering {Clustering}, training {Training} ({Slots} slot(s)), dashboard {Dashboard}",
    options.Clustering, options.Training.Enabled, options.Training.Enabled ? options.Training.Slots : 0,
    dashboard ? SiloMonitoring.DashboardPath : "off");
await app.RunAsync();
