namespace HyperSearch.Cli;

/// <summary>Bad command-line input: exit code 2.</summary>
public sealed class UsageException(string message) : Exception(message);
