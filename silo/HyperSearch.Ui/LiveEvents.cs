using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace HyperSearch.Ui;

/// <summary>Server-sent events: the view is read every second and sent whenever its JSON changed, with a comment line
/// every 15 s so proxies keep the connection. Ends when the browser goes away.</summary>
internal static class LiveEvents
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan KeepAlive = TimeSpan.FromSeconds(15);

    public static async Task StreamAsync<T>(HttpContext context, Func<CancellationToken, Task<T?>> read)
    {
        var ct = context.RequestAborted;
        context.Response.Headers.ContentType = "text/event-stream";
        context.Response.Headers.CacheControl = "no-cache";
        context.Response.Headers["X-Accel-Buffering"] = "no";
        string? last = null;
        var quietSince = DateTime.UtcNow;
        try
        {
            while (!ct.IsCancellationRequested)
            {
                string json;
                try
                {
                    var view = await read(ct);
                    json = view is null ? "null" : JsonSerializer.Serialize(view, UiEndpoints.Json);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    // A silo restarting or a grain call timing out: say so and keep the stream, the next read may work.
                    json = JsonSerializer.Serialize(new { error = e.GetBaseException().Message }, UiEndpoints.Json);
                }

                if (json != last)
                {
                    await context.Response.WriteAsync($"data: {json}\n\n", ct);
                    await context.Response.Body.FlushAsync(ct);
                    last = json;
                    quietSince = DateTime.UtcNow;
                }
                else if (DateTime.UtcNow - quietSince > KeepAlive)
                {
                    await context.Response.WriteAsync(": keep-alive\n\n", ct);
                    await context.Response.Body.FlushAsync(ct);
                    quietSince = DateTime.UtcNow;
                }

                await Task.Delay(Interval, ct);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // The browser closed the page.
        }
    }
}
