namespace HyperSearch.Cli.Parsing;

/// <summary>Where a command writes: results and progress to stdout, warnings and errors to stderr.</summary>
internal sealed record CliOutput(TextWriter Stdout, TextWriter Stderr);
