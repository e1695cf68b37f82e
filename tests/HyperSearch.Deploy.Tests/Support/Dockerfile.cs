using System.Text.Json;
using System.Text.RegularExpressions;

namespace HyperSearch.Deploy.Tests.Support;

public sealed record DockerInstruction(string Keyword, string Arguments, int Line);

public sealed record DockerStage(string Name, string BaseImage, int Index, List<DockerInstruction> Instructions)
{
    public IEnumerable<DockerInstruction> All(string keyword) => Instructions.Where(i => i.Keyword == keyword);

    public DockerInstruction? Last(string keyword) => Instructions.LastOrDefault(i => i.Keyword == keyword);
}

/// <summary>A Dockerfile parsed far enough to check it: line continuations, comments, global ARG
/// defaults substituted into FROM, stages with their instructions.</summary>
public sealed partial class Dockerfile
{
    public required string Path { get; init; }

    public required IReadOnlyDictionary<string, string> GlobalArgs { get; init; }

    public required IReadOnlyList<DockerStage> Stages { get; init; }

    public DockerStage Final => Stages[^1];

    public static Dockerfile Load(string path) => Parse(File.ReadAllText(path), path);

    public static Dockerfile Parse(string text, string path = "Dockerfile")
    {
        var args = new Dictionary<string, string>(StringComparer.Ordinal);
        var stages = new List<DockerStage>();
        foreach (var instruction in Instructions(text))
        {
            if (instruction.Keyword == "FROM")
            {
                var parts = instruction.Arguments.Split(' ', StringSplitOptions.RemoveEmptyEntries)
                    .Where(p => !p.StartsWith("--", StringComparison.Ordinal)).ToList();
                var image = Substitute(parts[0], args);
                var name = parts.Count >= 3 && parts[1].Equals("AS", StringComparison.OrdinalIgnoreCase) ? parts[2] : stages.Count.ToString(System.Globalization.CultureInfo.InvariantCulture);
                stages.Add(new DockerStage(name, image, stages.Count, []));
                continue;
            }

            if (stages.Count == 0)
            {
                if (instruction.Keyword == "ARG")
                {
                    var kv = instruction.Arguments.Split('=', 2);
                    args[kv[0].Trim()] = kv.Length == 2 ? kv[1].Trim().Trim('"') : "";
                }

                continue;
            }

            stages[^1].Instructions.Add(instruction);
        }

        return new Dockerfile { Path = path, GlobalArgs = args, Stages = stages };
    }

    /// <summary>The exec-form array of an ENTRYPOINT or CMD, or null for the shell form.</summary>
    public static string[]? ExecForm(DockerInstruction? instruction)
    {
        if (instruction is null || !instruction.Arguments.TrimStart().StartsWith('['))
        {
            return null;
        }

        try
        {
            return JsonSerializer.Deserialize<string[]>(instruction.Arguments);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static IEnumerable<DockerInstruction> Instructions(string text)
    {
        var lines = text.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n');
        var current = "";
        var start = 0;
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i];
            var trimmed = line.Trim();
            if (current.Length == 0 && (trimmed.Length == 0 || trimmed.StartsWith('#')))
            {
                continue;
            }

            if (current.Length > 0 && trimmed.StartsWith('#'))
            {
                continue; // comment inside a continued instruction
            }

            if (current.Length == 0)
            {
                start = i + 1;
            }

            if (trimmed.EndsWith('\\'))
            {
                current += trimmed[..^1] + " ";
                continue;
            }

            current += trimmed;
            var space = current.IndexOf(' ', StringComparison.Ordinal);
            var keyword = (space < 0 ? current : current[..space]).ToUpperInvariant();
            var arguments = space < 0 ? "" : Whitespace().Replace(current[(space + 1)..].Trim(), " ");
            yield return new DockerInstruction(keyword, arguments, start);
            current = "";
        }
    }

    private static string Substitute(string value, IReadOnlyDictionary<string, string> args) =>
        Variable().Replace(value, m =>
        {
            var name = m.Groups[1].Success ? m.Groups[1].Value : m.Groups[2].Value;
            return args.TryGetValue(name, out var v) ? v : m.Value;
        });

    [GeneratedRegex(@"\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)")]
    private static partial Regex Variable();

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();
}
