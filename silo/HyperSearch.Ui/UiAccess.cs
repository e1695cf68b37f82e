using Microsoft.AspNetCore.Http;

namespace HyperSearch.Ui;

public enum UiRole
{
    /// <summary>Refused: no certificate, an untrusted one, or one of another kind.</summary>
    None,
    Viewer,
    Operator,
}

/// <summary>Who is calling and what they may do; <paramref name="Refusal"/> says why a caller with no role was refused,
/// <paramref name="Reason"/> names that refusal for metrics (no-certificate, untrusted, expired, wrong-kind).</summary>
public sealed record UiCaller(UiRole Role, string Identity, string? Refusal = null, string? Reason = null);

/// <summary>Decides each request's role. The silo's certificate check when TLS is configured; otherwise every caller
/// gets one fixed role (what the gateway grants without TLS).</summary>
public interface IUiAccess
{
    UiCaller Identify(HttpContext context);

    /// <summary>Called when a request is refused, so the host can log and count it like its other refusals.</summary>
    void Refused(UiCaller caller, string action);
}

/// <summary>Every caller gets <paramref name="role"/>: the silo without TLS (operator) and `hypersearch ui` (viewer).</summary>
public sealed class OpenUiAccess(UiRole role, string why) : IUiAccess
{
    public UiCaller Identify(HttpContext context) => new(role, why);

    public void Refused(UiCaller caller, string action)
    {
    }
}
