using HyperSearch.Contracts.Specs;

namespace HyperSearch.Contracts.Security;

/// <summary>The coordinator refused a spec: the same checks as the CLI's, run in the cluster so that no client can
/// skip them. <see cref="Fields"/>, <see cref="Lines"/> and <see cref="Messages"/> are the problems, in order; the
/// CLI turns them back into its own spec error (with line numbers from its copy of the file).</summary>
[GenerateSerializer, Alias("HyperSearch.SpecRejectedException")]
public sealed class SpecRejectedException : Exception
{
    public SpecRejectedException(IReadOnlyList<SpecError> errors)
    {
        Fields = errors.Select(e => e.Field).ToArray();
        Messages = errors.Select(e => e.Message).ToArray();
    }

    [Id(0)] public string[] Fields { get; init; } = [];

    [Id(1)] public string[] Messages { get; init; } = [];

    public override string Message => string.Join(Environment.NewLine, Fields.Zip(Messages, (f, m) => $"{f}: {m}"));

    public IReadOnlyList<SpecError> Errors(Func<string, int?> lineOf) =>
        Fields.Zip(Messages, (field, message) => new SpecError(field, lineOf(field), message)).ToList();
}

/// <summary>The cluster refused a call because the caller's certificate does not grant it (a viewer starting or
/// cancelling a search, a client calling a silo-internal method).</summary>
[GenerateSerializer, Alias("HyperSearch.AccessRefusedException")]
public sealed class AccessRefusedException(string message) : Exception(message)
{
    [Id(0)] public string Reason { get; init; } = message;

    public override string Message => Reason;
}
