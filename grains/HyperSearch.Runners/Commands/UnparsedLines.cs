namespace HyperSearch.Runners;

/// <summary>Counts the stdout lines that were not metrics, keeps the last few for a failure reason, and passes
/// each one on as a diagnostic. A stray print must never fail a trial, but it should not vanish either.</summary>
internal sealed class UnparsedLines(string label, Action<string>? onDiagnostic)
{
    private const int Kept = 3;
    private const int MaxLineChars = 200;

    private readonly OutputTail _last = new(Kept, Kept * (MaxLineChars + 64));

    public int Count { get; private set; }

    /// <summary>Null when every line parsed.</summary>
    public string? Summary => Count == 0
        ? null
        : $"{Count} stdout line(s) were not metrics lines; the last:\n{_last}";

    public void Add(string line, string problem)
    {
        Count++;
        var shown = line.Length <= MaxLineChars ? line : line[..MaxLineChars] + "…";
        _last.Add($"{shown}  ({problem})");
        onDiagnostic?.Invoke($"{label}: stdout line ignored, {problem}: {shown}");
    }
}
