using System.Globalization;
using System.Xml.Linq;
using HyperSearch.Cli.Output;
using HyperSearch.Cli.Results;
using HyperSearch.Contracts.Trials;

namespace HyperSearch.Cli.Reports;

/// <summary>The report's Population Based Training section: one lane per trial over the epochs, an arrow from the donor's
/// lane to the exploiting trial's at each clone's epoch (hover for the new values), and the same as a table.</summary>
internal static class LineageReport
{
    private const int Left = 70, Top = 20, Lane = 22, Width = 760;

    /// <summary>The section; null when no trial cloned (not a PBT search).</summary>
    public static XElement? Section(SearchResults results)
    {
        var clones = results.Trials.SelectMany(t => (t.Lineage ?? []).Select(l => (Trial: t.Number, Entry: l))).OrderBy(c => c.Entry.Epoch).ThenBy(c => c.Trial).ToList();
        if (clones.Count == 0)
        {
            return null;
        }

        var trials = results.Trials.OrderBy(t => t.Number).ToList();
        var lanes = trials.Select((t, i) => (t.Number, i)).ToDictionary(p => p.Number, p => p.i);
        var epochs = Math.Max(1, trials.Max(t => t.Epochs.Count));
        double X(int epoch) => Left + (Width - Left - 20) * epoch / (double)epochs;
        double Y(int trial) => Top + Lane * lanes[trial];
        var height = Top + Lane * trials.Count + 20;

        var svg = Html.Element("svg", Html.Attribute("class", "lineage"), Html.Attribute("width", Width), Html.Attribute("height", height),
            Html.Attribute("viewBox", $"0 0 {Width} {height}"), Html.Attribute("role", "img"),
            Html.Element("title", "PBT lineage: an arrow goes from a donor's lane to the trial that cloned its checkpoint at that epoch"),
            trials.Select(t => new object[]
            {
                Html.Element("text", Html.Attribute("x", 4), Html.Attribute("y", Num(Y(t.Number) + 4)), Html.Attribute("font-size", 11), $"trial {t.Number}"),
                Html.Element("line", Html.Attribute("x1", Num(X(0))), Html.Attribute("x2", Num(X(Math.Max(1, t.Epochs.Count)))),
                    Html.Attribute("y1", Num(Y(t.Number))), Html.Attribute("y2", Num(Y(t.Number))), Html.Attribute("stroke", "#bbb"), Html.Attribute("stroke-width", 2)),
            }),
            Enumerable.Range(1, epochs).Select(e => Html.Element("text", Html.Attribute("x", Num(X(e))), Html.Attribute("y", height - 4),
                Html.Attribute("font-size", 10), Html.Attribute("text-anchor", "middle"), e.ToString(CultureInfo.InvariantCulture))),
            clones.Where(c => lanes.ContainsKey(c.Entry.Donor)).Select(c => Html.Element("g", Html.Attribute("class", "clone"),
                Html.Element("title", Describe(c.Trial, c.Entry)),
                Html.Element("line", Html.Attribute("x1", Num(X(c.Entry.Epoch))), Html.Attribute("x2", Num(X(c.Entry.Epoch))),
                    Html.Attribute("y1", Num(Y(c.Entry.Donor))), Html.Attribute("y2", Num(Y(c.Trial))),
                    Html.Attribute("stroke", c.Entry.Verified ? "#2980b9" : "#c0392b"), Html.Attribute("stroke-width", 2)),
                Html.Element("circle", Html.Attribute("cx", Num(X(c.Entry.Epoch))), Html.Attribute("cy", Num(Y(c.Trial))), Html.Attribute("r", 4),
                    Html.Attribute("fill", c.Entry.Verified ? "#2980b9" : "#c0392b")))));

        var rows = clones.Select(c => Html.Element("tr",
            Html.Element("td", c.Trial.ToString(CultureInfo.InvariantCulture)),
            Html.Element("td", c.Entry.Epoch.ToString(CultureInfo.InvariantCulture)),
            Html.Element("td", c.Entry.Donor.ToString(CultureInfo.InvariantCulture)),
            Html.Element("td", $"{ProgressPrinter.Format(c.Entry.Score)} → {ProgressPrinter.Format(c.Entry.DonorScore)}"),
            Html.Element("td", LineageExport.Values(c.Entry)),
            Html.Element("td", c.Entry.Verified ? "yes" : c.Entry.LoadedWeightsHash is null ? "not yet" : "NO")));
        return Html.Element("section", Html.Attribute("id", "lineage"),
            Html.Element("h2", "Population Based Training lineage"),
            Html.Element("p", $"{clones.Count} clones. Blue: the weights the trial loaded hashed equal to its donor's snapshot; red: not (yet) verified."),
            Html.Element("div", Html.Attribute("class", "fit"), svg),
            Html.Element("div", Html.Attribute("class", "fit"), Html.Element("table",
                Html.Element("thead", Html.Element("tr", new[] { "trial", "epoch", "donor", "score → donor's", "new values", "weights verified" }.Select(h => Html.Element("th", h)))),
                Html.Element("tbody", rows))));
    }

    private static string Describe(int trial, LineageEntry entry) =>
        $"trial {trial} cloned trial {entry.Donor} at epoch {entry.Epoch}: {LineageExport.Values(entry)}";

    private static string Num(double value) => value.ToString("0.#", CultureInfo.InvariantCulture);
}
