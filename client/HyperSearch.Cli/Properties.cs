using System.Runtime.CompilerServices;

// Tests render the live view and build reports from hand-made results.
[assembly: InternalsVisibleTo("HyperSearch.Cli.Tests")]
