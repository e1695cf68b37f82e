using System.CommandLine;

namespace HyperSearch.Cli.Parsing;

/// <summary>`best --rule "params&lt;=200000" [--test]`: pick a point of a multi-objective search's Pareto front.</summary>
internal sealed class FrontOptions
{
    private readonly Option<string?> _rule = CliSymbols.Text("--rule", "RULE",
        "multi-objective searches: pick the front point best on the first objective that meets RULE, e.g. \"params<=200000\" (several joined by commas)");

    private readonly Option<bool> _test = CliSymbols.Flag("--test", "evaluate the point --rule picked once on the test split (after the choice; never used to make it)");

    public FrontOptions(Command command, bool picks)
    {
        if (picks)
        {
            command.Add(_rule);
            command.Add(_test);
        }
    }

    public string? Rule(ParseResult parsed) => parsed.GetValue(_rule);

    public bool Test(ParseResult parsed) => parsed.GetValue(_test);
}
