using System.Globalization;
using System.Xml.Linq;
using HyperSearch.Cli.Output;
using HyperSearch.Cli.Results;

namespace HyperSearch.Cli.Reports;

/// <summary>The report's list of imported trials (`run --warm-start`): each marked "imported", with its number in the
/// source search. They seeded the sampler and were not run again, so they are not in the leaderboard.</summary>
internal static class WarmStartSection
{
    public static XElement? For(SearchResults results)
    {
        if (results.WarmStart is not { } warm)
        {
            return null;
        }

        var names = warm.Trials.SelectMany(t => t.Parameters.Keys).Distinct().Order(StringComparer.Ordinal).ToList();
        var rows = warm.Trials.Select(t => Html.Element("tr", Html.Attribute("class", "imported"),
            new[]
            {
                "imported", $"{warm.Source} #{t.SourceNumber.ToString(CultureInfo.InvariantCulture)}", t.State.ToString().ToLowerInvariant(),
                ProgressPrinter.Format(t.Epochs.LastOrDefault()?.Get(results.Metric)), t.Epochs.Count.ToString(CultureInfo.InvariantCulture),
            }.Concat(names.Select(n => t.Parameters.TryGetValue(n, out var v) ? ResultPrinter.FormatValue(v) : ""))
            .Select(cell => Html.Element("td", cell))));
        return Html.Element("section", Html.Attribute("id", "warm-start"), Html.Element("h2", "Warm start"),
            Html.Element("p", $"{warm.Trials.Count} finished trial(s) of {warm.Source} seeded the sampler ({warm.Skipped} skipped: their space is not compatible). They were not run again."),
            Html.Element("div", Html.Attribute("class", "fit"),
                Html.Element("table",
                    Html.Element("thead", Html.Element("tr", new[] { "mark", "source trial", "state", results.Metric, "epochs" }.Concat(names).Select(h => Html.Element("th", h)))),
                    Html.Element("tbody", rows))));
    }
}
