namespace HyperSearch.Cli;

/// <summary>Bad command-line input: exit code 2.</summary>
public sealed class UsageException(string message) : Exception(message);

/// <summary>A small POSIX-style parser: positionals, --flag, --option value and --option=value.</summary>
public sealed class CliArguments
{
    private readonly Dictionary<string, List<string>> _options = new(StringComparer.Ordinal);
    private readonly HashSet<string> _flags = new(StringComparer.Ordinal);
    private readonly HashSet<string> _consumed = new(StringComparer.Ordinal);
    private readonly HashSet<string> _valueless = new(StringComparer.Ordinal);

    public CliArguments(IReadOnlyList<string> args, IReadOnlySet<string> flagNames)
    {
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            if (arg == "--")
            {
                Positionals.AddRange(args.Skip(i + 1));
                break;
            }

            if (!arg.StartsWith("--", StringComparison.Ordinal) || arg.Length == 2)
            {
                Positionals.Add(arg);
                continue;
            }

            var (name, value) = arg.IndexOf('=') is var eq and > 0 ? (arg[2..eq], arg[(eq + 1)..]) : (arg[2..], null);
            if (flagNames.Contains(name) && value is null)
            {
                _flags.Add(name);
                continue;
            }

            if (value is null)
            {
                if (i + 1 >= args.Count || args[i + 1].StartsWith("--", StringComparison.Ordinal))
                {
                    // No value follows: an unknown flag (reported by RejectUnknown) or a known option missing its value.
                    _valueless.Add(name);
                    continue;
                }

                value = args[++i];
            }

            if (!_options.TryGetValue(name, out var list))
            {
                _options[name] = list = [];
            }

            list.Add(value);
        }
    }

    public List<string> Positionals { get; } = [];

    public bool Flag(string name)
    {
        _consumed.Add(name);
        return _flags.Contains(name);
    }

    public string? Option(string name)
    {
        _consumed.Add(name);
        if (_valueless.Contains(name))
        {
            throw new UsageException($"option --{name} needs a value");
        }

        return _options.TryGetValue(name, out var values) ? values[^1] : null;
    }

    public IReadOnlyList<string> Options(string name)
    {
        _ = Option(name);
        return _options.TryGetValue(name, out var values) ? values : [];
    }

    public int? IntOption(string name, int min = 1)
    {
        var text = Option(name);
        if (text is null)
        {
            return null;
        }

        return int.TryParse(text, out var value) && value >= min
            ? value
            : throw new UsageException($"--{name} must be an integer ≥ {min}, got '{text}'");
    }

    /// <summary>Fails on options no command asked for (a typo must not be silently ignored).</summary>
    public void RejectUnknown()
    {
        var unknown = _options.Keys.Concat(_flags).Concat(_valueless).FirstOrDefault(k => !_consumed.Contains(k));
        if (unknown is not null)
        {
            throw new UsageException($"unknown option --{unknown} (see hypersearch --help)");
        }
    }

    public string Positional(int index, string what) =>
        index < Positionals.Count ? Positionals[index] : throw new UsageException($"missing {what}");
}
