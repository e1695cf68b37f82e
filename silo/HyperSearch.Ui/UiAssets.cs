using System.Reflection;
using Microsoft.AspNetCore.Http;

namespace HyperSearch.Ui;

/// <summary>The pages, script and styles, embedded in this assembly (no CDN, nothing on disk). Every page path under
/// /ui/ gets the one HTML shell; the script draws the page the path names.</summary>
internal static class UiAssets
{
    private static readonly Assembly Assembly = typeof(UiAssets).Assembly;

    private static readonly Dictionary<string, string> Types = new(StringComparer.Ordinal)
    {
        [".html"] = "text/html; charset=utf-8",
        [".js"] = "text/javascript; charset=utf-8",
        [".css"] = "text/css; charset=utf-8",
        [".svg"] = "image/svg+xml",
    };

    public static async Task Serve(HttpContext context, string? path)
    {
        var name = string.IsNullOrEmpty(path) || !path.StartsWith("assets/", StringComparison.Ordinal) ? "index.html" : path["assets/".Length..];
        using var stream = Assembly.GetManifestResourceStream($"ui/{name}");
        if (stream is null || name.Contains("..", StringComparison.Ordinal))
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            await context.Response.WriteAsync($"no such file: {path}");
            return;
        }

        var headers = context.Response.Headers;
        headers.ContentType = Types.GetValueOrDefault(Path.GetExtension(name), "application/octet-stream");
        headers.CacheControl = "no-cache";
        headers.XContentTypeOptions = "nosniff";
        // Only this origin's script and styles: nothing from a CDN, no inline script.
        headers.ContentSecurityPolicy = "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'";
        await stream.CopyToAsync(context.Response.Body, context.RequestAborted);
    }
}
