namespace HyperSearch.Runners;

/// <summary>The last few lines of an output stream, bounded in lines and characters, because a failed trial's
/// reason should carry the end of its stderr, not megabytes of it. Thread-safe: a pump writes while the runner reads.</summary>
internal sealed class OutputTail(int maxLines, int maxChars)
{
    private readonly Queue<string> _lines = new();
    private readonly Lock _gate = new();
    private int _chars;

    public int TotalLines { get; private set; }

    public void Add(string line)
    {
        if (line.Length > maxChars)
        {
            line = "…" + line[^(maxChars - 1)..];
        }

        lock (_gate)
        {
            TotalLines++;
            _lines.Enqueue(line);
            _chars += line.Length;
            while (_lines.Count > maxLines || _chars > maxChars)
            {
                _chars -= _lines.Dequeue().Length;
            }
        }
    }

    public IReadOnlyList<string> Lines
    {
        get
        {
            lock (_gate)
            {
                return [.. _lines];
            }
        }
    }

    public override string ToString() => string.Join('\n', Lines);
}
