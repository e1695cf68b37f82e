using System.Net;

namespace HyperSearch.Ui.Tests;

/// <summary>`hypersearch ui --run-dir DIR` (a real CLI process) over the run directory of a finished search.</summary>
public sealed class RunDirectoryTests
{
    [Fact]
    public async Task Hypersearch_ui_serves_a_finished_run_directory_read_only()
    {
        var runs = Directory.CreateTempSubdirectory("hs-ui-runs-").FullName;
        var spec = Path.Combine(runs, "spec.yaml");
        await File.WriteAllTextAsync(spec, UiSilo.Spec("ui-finished", trials: 3, epochs: 2, secondsPerEpoch: 0.2, concurrent: 1));
        using (var run = ChildProcess.Start(ChildProcess.CliDll, ["run", spec, "--run-dir", runs, "--id", "finished", "--json"]))
        {
            Assert.True(await run.WaitForExitAsync(TimeSpan.FromMinutes(3)) == 0, run.Output());
        }

        using var ui = ChildProcess.Start(ChildProcess.CliDll, ["ui", "--run-dir", runs, "--port", "0"]);
        var line = await ui.WaitForLineAsync(l => l.StartsWith("serving ", StringComparison.Ordinal), TimeSpan.FromSeconds(90), "the serving line");
        var url = line.Split(' ').First(w => w.StartsWith("http://127.0.0.1:", StringComparison.Ordinal))[..^"/ui/".Length];
        using var http = new HttpClient { BaseAddress = new Uri(url), Timeout = TimeSpan.FromSeconds(30) };

        var searches = (await UiSilo.GetAsync(http, "/api/searches")).AsArray();
        var search = Assert.Single(searches)!;
        Assert.Equal("finished", (string?)search["id"]);
        Assert.Equal("completed", (string?)search["state"]);
        Assert.Equal(3, (int)search["trials"]!["completed"]!);
        Assert.NotNull(search["best"]);
        var trial = await UiSilo.GetAsync(http, $"/api/searches/finished/trials/{(int)search["best"]!["trial"]!}");
        Assert.Equal(2, trial["epochs"]!.AsArray().Count);
        Assert.True((bool)trial["checkpoint"]!["exists"]!, trial.ToJsonString());

        var (status, body) = await UiSilo.PostAsync(http, "/api/searches/finished/cancel", "");
        Assert.Equal(HttpStatusCode.MethodNotAllowed, status);
        Assert.Contains("read-only", (string?)body!["error"], StringComparison.Ordinal);

        // The same pages work over run directories, with no operator actions.
        await using var browser = await Chromium.StartAsync();
        await browser.ViewportAsync(1280, 800);
        await browser.NavigateAsync($"{url}/ui/searches/finished");
        await browser.WaitForAsync("document.querySelector('#leaderboard tbody tr') && document.querySelector('#importance')", TimeSpan.FromSeconds(60), "the finished search's page");
        Assert.Equal(0, (int?)await browser.EvalAsync("document.querySelectorAll('#cancel, #spec').length"));
        await browser.ScreenshotAsync("run-directory-search-1280");
        Assert.True(browser.Errors.Count == 0, $"console errors:\n{string.Join("\n", browser.Errors)}");
        Directory.Delete(runs, recursive: true);
    }
}
