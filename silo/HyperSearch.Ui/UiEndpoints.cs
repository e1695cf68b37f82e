using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace HyperSearch.Ui;

/// <summary>The pages under /ui and the JSON API under /api (docs/ui.md). Needs an <see cref="IUiBackend"/> and an
/// <see cref="IUiAccess"/> in the host's services.</summary>
public static class UiEndpoints
{
    /// <summary>Operator actions must carry this header: a browser sends it cross-site only after a CORS preflight,
    /// which this API never grants, so another site cannot make an operator's browser cancel or start a search.</summary>
    public const string ActionHeader = "X-HyperSearch-Action";

    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    public static IEndpointRouteBuilder MapHyperSearchUi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/", () => Results.Redirect("/ui/"));
        app.MapGet("/ui/{**path}", (HttpContext context, string? path) => UiAssets.Serve(context, path));

        var api = app.MapGroup("/api");
        api.AddEndpointFilter(async (invocation, next) =>
        {
            var context = invocation.HttpContext;
            var caller = context.RequestServices.GetRequiredService<IUiAccess>().Identify(context);
            if (caller.Role == UiRole.None)
            {
                Refuse(context, caller, $"{context.Request.Method} {context.Request.Path}");
                return Error(StatusCodes.Status403Forbidden, $"refused: {caller.Refusal ?? caller.Identity}");
            }

            context.Items[typeof(UiCaller)] = caller;
            return await next(invocation);
        });

        api.MapGet("/me", (HttpContext c) =>
        {
            var backend = Backend(c);
            var caller = Caller(c);
            return Results.Json(new
            {
                role = caller.Role.ToString().ToLowerInvariant(),
                identity = caller.Identity,
                source = backend.Source,
                canOperate = CanOperate(backend, caller)
            }, Json);
        });
        api.MapGet("/searches", async (HttpContext c, CancellationToken ct) => Results.Json(await ListAsync(Backend(c), ct), Json));
        api.MapGet("/searches/{id}", async (HttpContext c, string id, CancellationToken ct) =>
            await Backend(c).GetAsync(id, ct) is { } data
                ? Results.Json(SearchViews.Detail(data, DateTimeOffset.UtcNow, CanOperate(Backend(c), Caller(c))), Json)
                : NoSearch(id));
        api.MapGet("/searches/{id}/trials/{number:int}", async (HttpContext c, string id, int number, CancellationToken ct) =>
            await Backend(c).GetAsync(id, ct) is not { } data ? NoSearch(id)
            : SearchViews.Trial(data, number) is { } trial ? Results.Json(trial, Json)
            : Error(StatusCodes.Status404NotFound, $"search '{id}' has no trial {number}"));

        api.MapGet("/events", (HttpContext c) => LiveEvents.StreamAsync(c, async ct => await ListAsync(Backend(c), ct)));
        api.MapGet("/searches/{id}/events", (HttpContext c, string id) => LiveEvents.StreamAsync(c, async ct =>
            await Backend(c).GetAsync(id, ct) is { } data ? SearchViews.Detail(data, DateTimeOffset.UtcNow, CanOperate(Backend(c), Caller(c))) : null));

        api.MapPost("/searches/{id}/cancel", async (HttpContext c, string id) =>
        {
            if (Forbidden(c, $"cancel {id}") is { } refused)
            {
                return refused;
            }

            return await Backend(c).CancelAsync(id) ? Results.Json(new { id, cancelled = true }, Json) : NoSearch(id);
        });
        api.MapPost("/searches", async (HttpContext c) =>
        {
            if (Forbidden(c, "start") is { } refused)
            {
                return refused;
            }

            using var reader = new StreamReader(c.Request.Body);
            var text = await reader.ReadToEndAsync(c.RequestAborted);
            if (string.IsNullOrWhiteSpace(text))
            {
                return Error(StatusCodes.Status400BadRequest, "the request body must be a search spec (YAML or JSON); it was empty");
            }

            try
            {
                var id = await Backend(c).StartAsync(text, c.Request.Query["id"].FirstOrDefault());
                return Results.Json(new { id }, Json, statusCode: StatusCodes.Status201Created);
            }
            catch (UiSpecException e)
            {
                return Results.Json(new { error = $"invalid spec ({e.Problems.Count} problem(s)); nothing was started", problems = e.Problems }, Json,
                    statusCode: StatusCodes.Status400BadRequest);
            }
        });
        return app;
    }

    private static async Task<List<SearchSummaryView>> ListAsync(IUiBackend backend, CancellationToken ct)
    {
        var now = DateTimeOffset.UtcNow;
        return (await backend.ListAsync(ct)).Select(s => SearchViews.Summary(s, now)).OrderByDescending(s => s.StartedAt).ThenBy(s => s.Id, StringComparer.Ordinal).ToList();
    }

    /// <summary>Why an operator action is not allowed here, or null when it is.</summary>
    private static IResult? Forbidden(HttpContext c, string action)
    {
        var backend = Backend(c);
        var caller = Caller(c);
        if (!backend.CanOperate)
        {
            return Error(StatusCodes.Status405MethodNotAllowed, $"read-only: this UI serves {backend.Source}; cancel and start need a silo");
        }

        if (caller.Role != UiRole.Operator)
        {
            Refuse(c, caller, action);
            return Error(StatusCodes.Status403Forbidden, $"refused: {caller.Identity} (role {caller.Role.ToString().ToLowerInvariant()}) may not {action}: needs the operator role");
        }

        if (!c.Request.Headers.ContainsKey(ActionHeader))
        {
            return Error(StatusCodes.Status400BadRequest, $"operator actions need the {ActionHeader} header (cross-site request protection)");
        }

        return null;
    }

    private static void Refuse(HttpContext c, UiCaller caller, string action) =>
        c.RequestServices.GetRequiredService<IUiAccess>().Refused(caller, action);

    private static bool CanOperate(IUiBackend backend, UiCaller caller) => backend.CanOperate && caller.Role == UiRole.Operator;

    private static IUiBackend Backend(HttpContext c) => c.RequestServices.GetRequiredService<IUiBackend>();

    private static UiCaller Caller(HttpContext c) => (UiCaller)c.Items[typeof(UiCaller)]!;

    private static IResult NoSearch(string id) => Error(StatusCodes.Status404NotFound, $"no search with id '{id}'");

    private static IResult Error(int status, string message) => Results.Json(new { error = message }, Json, statusCode: status);
}
