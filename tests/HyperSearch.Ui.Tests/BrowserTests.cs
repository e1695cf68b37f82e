using System.Net;
using System.Text.Json.Nodes;

namespace HyperSearch.Ui.Tests;

/// <summary>The silo's UI in a real headless Chromium while a real search runs on the silo (command trials).</summary>
public sealed class BrowserTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task Pages_load_the_leaderboard_updates_live_a_trial_opens_and_an_operator_cancels()
    {
        using var silo = await UiSilo.StartAsync(slots: 2);
        using var http = silo.Client();
        var (status, started) = await UiSilo.PostAsync(http, "/api/searches?id=live", UiSilo.Spec("ui-live", trials: 8, epochs: 4, secondsPerEpoch: 1.5, concurrent: 2));
        Assert.True(status == HttpStatusCode.Created, $"start answered {status}: {started?.ToJsonString()}\n{silo.Process.Output()}");
        Assert.Equal("live", (string?)started!["id"]);

        await using var browser = await Chromium.StartAsync();
        await browser.ViewportAsync(1280, 800);
        await browser.NavigateAsync($"{silo.BaseUrl}/ui/");
        await browser.WaitForAsync("document.querySelector('#searches tr[data-search=\"live\"] a.search-link')", Patience, "the search in the list");
        await browser.ScreenshotAsync("searches-1280");

        // Into the search by a real click; the page must then change by itself (server-sent events), no reload.
        await browser.ClickAsync("#searches tr[data-search=\"live\"] a.search-link");
        await browser.WaitForAsync("location.pathname === '/ui/searches/live' && document.querySelector('#leaderboard tbody tr')", Patience, "the search page");
        var first = (string?)await browser.EvalAsync("window.__sameDocument = true; window.__first = document.querySelector('#leaderboard tbody').innerText; document.querySelector('#summary').innerText");
        Assert.Contains("running", first, StringComparison.Ordinal);
        await browser.WaitForAsync(
            "window.__sameDocument && document.querySelector('#leaderboard tbody').innerText !== window.__first && document.querySelector('#summary').innerText.includes('running')",
            Patience, "the leaderboard to change while the search runs");

        // Hovering a learning curve shows that trial's parameters.
        await browser.WaitForAsync("document.querySelectorAll('#curves-panel path.series').length > 0", Patience, "a learning curve");
        var point = await browser.EvalAsync("""
            (() => { const paths = [...document.querySelectorAll('#curves-panel path.series')];
                     paths[0].scrollIntoView({ block: 'center' });
                     // A point of some curve that no other curve covers (curves overlap: which ones depends on the draws).
                     for (const p of paths.reverse()) {
                       const m = p.getScreenCTM(), length = p.getTotalLength();
                       for (let f = 0.5; f > 0.02; f -= 0.04) {
                         for (const at of [f, 1 - f]) {
                           const q = p.getPointAtLength(length * at);
                           const x = m.a * q.x + m.c * q.y + m.e, y = m.b * q.x + m.d * q.y + m.f;
                           if (document.elementFromPoint(x, y) === p) return { x, y };
                         }
                       }
                     }
                     return null; })()
            """);
        Assert.True(point is not null, "no point of any learning curve is uncovered on the page");
        await browser.SendAsync("Input.dispatchMouseEvent", new JsonObject { ["type"] = "mouseMoved", ["x"] = (double)point!["x"]!, ["y"] = (double)point["y"]! });
        await browser.WaitForAsync("!document.getElementById('tooltip').hidden && document.getElementById('tooltip').innerText.includes('learning_rate=')", Patience, "the curve's tooltip");
        await browser.ScreenshotAsync("search-1280");

        // Phone width: nothing wider than the screen (tables scroll inside their panels).
        await browser.ViewportAsync(390, 844, mobile: true);
        await browser.WaitForAsync("document.documentElement.scrollWidth <= window.innerWidth + 1", Patience, "the page to fit a phone's width");
        await browser.ScreenshotAsync("search-phone");
        await browser.ViewportAsync(1280, 800);

        // Clicking a trial opens its page.
        await browser.ClickAsync("#leaderboard a.trial-link");
        await browser.WaitForAsync("/^\\/ui\\/searches\\/live\\/trials\\/\\d+$/.test(location.pathname) && document.querySelector('#trial-summary')", Patience, "the trial page");
        Assert.Contains("learning_rate", await browser.TextAsync("#params"), StringComparison.Ordinal);
        Assert.Contains("attempt 1 on", await browser.TextAsync("#attempt"), StringComparison.Ordinal);
        Assert.Contains("/slot", await browser.TextAsync("#attempts"), StringComparison.Ordinal);
        await browser.ScreenshotAsync("trial-1280");

        // Keyboard only: Tab to a trial link on the search page, Enter opens it.
        await browser.NavigateAsync($"{silo.BaseUrl}/ui/searches/live");
        await browser.WaitForAsync("document.querySelector('#leaderboard a.trial-link')", Patience, "the leaderboard");
        for (var i = 0; i < 60 && (bool?)await browser.EvalAsync("document.activeElement?.classList.contains('trial-link')") != true; i++)
        {
            await browser.PressAsync("Tab", 9);
        }

        var focused = (string?)await browser.EvalAsync("document.activeElement?.getAttribute('href')");
        Assert.True(focused?.StartsWith("/ui/searches/live/trials/", StringComparison.Ordinal), $"Tab never reached a trial link (focus on {focused})");
        await browser.PressAsync("Enter", 13);
        await browser.WaitForAsync($"location.pathname === '{focused}' && document.querySelector('#trial-summary')", Patience, "the trial page opened from the keyboard");

        // An operator starts a search from the list page's form and cancels it from its page.
        await browser.NavigateAsync($"{silo.BaseUrl}/ui/");
        await browser.WaitForAsync("document.querySelector('#spec')", Patience, "the start form");
        await browser.ClickAsync("#spec");
        await browser.TypeAsync(UiSilo.Spec("ui-cancel", trials: 20, epochs: 5, secondsPerEpoch: 2, concurrent: 2));
        await browser.ClickAsync("#search-id");
        await browser.TypeAsync("cancel-me");
        await browser.ClickAsync("#start");
        await browser.WaitForAsync("document.querySelector('#start-result a')?.innerText === 'cancel-me'", Patience, "the started search's link");
        await browser.ClickAsync("#start-result a");
        await browser.WaitForAsync("location.pathname === '/ui/searches/cancel-me' && document.querySelector('#cancel')", Patience, "the cancel button");
        await browser.ClickAsync("#cancel");
        await browser.ClickAsync("#cancel-confirm");
        await browser.WaitForAsync("document.querySelector('#summary').innerText.includes('cancelled')", Patience, "the page to show the search cancelled");
        await browser.ScreenshotAsync("cancelled-1280");
        Assert.Equal("cancelled", (string?)(await UiSilo.GetAsync(http, "/api/searches/cancel-me"))["summary"]!["state"]);

        Assert.True(browser.Errors.Count == 0, $"console errors:\n{string.Join("\n", browser.Errors)}");
    }
}
