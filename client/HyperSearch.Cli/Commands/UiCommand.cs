using System.CommandLine;
using HyperSearch.Cli.Parsing;
using HyperSearch.Ui;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace HyperSearch.Cli.Commands;

/// <summary>`hypersearch ui`: the silo's web UI and /api over local run directories, read-only, on loopback.</summary>
public static class UiCommand
{
    public const string Usage = "hypersearch ui [--run-dir DIR] [--port P]";

    public const int DefaultPort = 8090;

    internal static Command Create(CliOutput io)
    {
        var runDirectory = CliSymbols.Text("--run-dir", "DIR", "the folder of run directories to serve (default ./runs)");
        var port = CliSymbols.Integer("--port", 0, "P", $"the loopback port to listen on (default {DefaultPort}; 0 picks a free one)");
        var command = new Command("ui", "serve the web UI for run directories, read-only, on 127.0.0.1") { runDirectory, port };
        command.SetAction(parsed => RunAsync(parsed.GetValue(runDirectory), parsed.GetValue(port), io.Stdout));
        return command;
    }

    public static async Task<int> RunAsync(string? runDirectory, int? requestedPort, TextWriter stdout)
    {
        var root = Path.GetFullPath(runDirectory ?? "runs");
        var port = requestedPort ?? DefaultPort;
        if (port > 65535)
        {
            throw new UsageException($"--port {port} is not a TCP port (0 picks a free one)");
        }

        if (!Directory.Exists(root))
        {
            throw new UsageException($"--run-dir {root} does not exist (run directories are where `hypersearch run` keeps results, ./runs by default)");
        }

        await using var app = Build(root, port);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        var count = (await app.Services.GetRequiredService<IUiBackend>().ListAsync(CancellationToken.None)).Count;
        // Tests and scripts read the address from this line (with --port 0 it is the only way to learn the port).
        stdout.WriteLine($"serving {count} search(es) from {root} at {address}/ui/ (read-only); Ctrl+C stops");
        await stdout.FlushAsync();
        await app.WaitForShutdownAsync();
        return ExitCodes.Success;
    }

    private static WebApplication Build(string root, int port)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [] });
        builder.Logging.ClearProviders().AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(LogLevel.Warning);
        builder.Logging.AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
        // Loopback only: run directories may hold anything a search wrote, and this command has no access control.
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        builder.Services.AddSingleton<IUiBackend>(new RunDirectoryUiBackend(root));
        builder.Services.AddSingleton<IUiAccess>(new OpenUiAccess(UiRole.Viewer, "local user (read-only run directories)"));
        var app = builder.Build();
        app.MapHyperSearchUi();
        return app;
    }
}
