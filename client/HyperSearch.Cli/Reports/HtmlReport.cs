using System.Globalization;
using System.Text;
using System.Xml.Linq;
using HyperSearch.Cli.Output;
using HyperSearch.Cli.Results;
using HyperSearch.Contracts.Trials;
using HyperSearch.Diagnostics;

namespace HyperSearch.Cli.Reports;

/// <summary>
/// One self-contained HTML page (no network: charts are inline ScottPlot SVG, styles and the little script are
/// inline) plus PNG copies of the charts. The page is an XML tree (<see cref="Html"/>): values are escaped by construction. The script marks the page rendered once every chart has a visible
/// SVG (<c>data-rendered="N"</c> on &lt;body&gt;) and records script errors in <c>data-errors</c>, for tests.
/// </summary>
internal static class HtmlReport
{
    public sealed record Written(string Html, IReadOnlyList<string> Pngs, IReadOnlyList<string> Charts, IReadOnlyList<Finding> Findings);

    public static Written Write(SearchResults results, string htmlPath, string? pngDirectory)
    {
        var charts = ReportCharts.Build(results);
        var findings = results.Findings();
        var html = Render(results, charts, findings);
        var fullHtml = Path.GetFullPath(htmlPath);
        Directory.CreateDirectory(Path.GetDirectoryName(fullHtml)!);
        File.WriteAllText(fullHtml, html, new UTF8Encoding(false));

        var pngDir = Path.GetFullPath(pngDirectory ?? Path.GetDirectoryName(fullHtml)!);
        Directory.CreateDirectory(pngDir);
        var stem = Path.GetFileNameWithoutExtension(fullHtml);
        var pngs = new List<string>();
        foreach (var chart in charts)
        {
            var png = Path.Combine(pngDir, $"{stem}-{chart.Id}.png");
            File.WriteAllBytes(png, ReportCharts.Png(chart));
            pngs.Add(png);
        }

        return new Written(fullHtml, pngs, charts.Select(c => c.Id).ToList(), findings);
    }

    public static string Render(SearchResults results, IReadOnlyList<ReportCharts.Chart> charts, IReadOnlyList<Finding> findings)
    {
        var title = $"HyperSearch report — {results.Name} ({results.SearchId})";
        var head = Html.Element("head",
            Html.Element("meta", Html.Attribute("charset", "utf-8")),
            Html.Element("meta", Html.Attribute("http-equiv", "Content-Security-Policy"),
                Html.Attribute("content", "default-src 'none'; img-src data:; style-src 'unsafe-inline'; script-src 'unsafe-inline'")),
            Html.Element("title", title),
            Html.Element("style", Html.RawText(Style)));
        var body = Html.Element("body", Html.Attribute("data-rendered", "0"), Html.Attribute("data-errors", ""),
            Html.Element("h1", title),
            Overview(results),
            WarmStartSection.For(results),
            Diagnostics(findings),
            charts.Select(chart => Html.Element("figure", Html.Attribute("class", "chart"), Html.Attribute("id", chart.Id),
                Html.Element("figcaption", Html.Element("h2", chart.Title), Html.Element("p", chart.Caption)),
                Html.Svg(ReportCharts.Svg(chart)))),
            LeaderboardTable(results),
            LineageReport.Section(results),
            Html.Element("footer", $"Generated {DateTimeOffset.UtcNow:u} from {results.Source}. Charts drawn with ScottPlot; the page needs no network."),
            Html.Element("script", Html.RawText(Script)));
        return Html.Page(Html.Element("html", Html.Attribute("lang", "en"), head, body));
    }

    private static XElement Diagnostics(IReadOnlyList<Finding> findings) =>
        Html.Element("section", Html.Attribute("id", "diagnostics"), Html.Element("h2", "Diagnostics"),
            findings.Count == 0
                ? Html.Element("p", Html.Attribute("class", "ok"), "Nothing suspicious: no overfitting, divergence, preprocessing mismatch or near-chance search was detected.")
                : Html.Element("ul", Html.Attribute("class", "findings"), findings.Select(finding =>
                    Html.Element("li", Html.Attribute("class", $"finding {finding.Severity.ToString().ToLowerInvariant()}"), Html.Attribute("data-kind", finding.Kind),
                        Html.Element("strong", finding.Kind.Replace('_', ' ')),
                        " ",
                        Html.Element("span", Html.Attribute("class", "scope"),
                            $"{(finding.Trial is { } trial ? $"trial {trial}" : "search")}{(finding.Epoch is { } epoch ? $", epoch {epoch}" : "")}"),
                        Html.Element("br"),
                        finding.Message,
                        Html.Element("br"),
                        Html.Element("em", "Suggestion:"),
                        $" {finding.Suggestion}"))));

    private static XElement Overview(SearchResults results)
    {
        var byState = results.Trials.GroupBy(t => t.State).OrderBy(g => g.Key).Select(g => $"{g.Count()} {g.Key.ToString().ToLowerInvariant()}");
        var best = results.Best;
        var rows = new List<(string Term, string Value)>
        {
            ("state", $"{results.State}{(results.StopReason is null ? "" : $" ({results.StopReason})")}"),
            ("trials", $"{results.Trials.Count} ({string.Join(", ", byState)})"),
            ("objective", $"{(results.Maximize ? "maximize" : "minimize")} {results.Metric}"),
            ("wall time", $"{results.WallSeconds:0.0} s"),
        };
        if (best is not null)
        {
            var parameters = best.Parameters.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key}={ResultPrinter.FormatValue(p.Value)}");
            rows.Add(("best trial", $"{best.Number}: {results.Metric} {ProgressPrinter.Format(best.Objective)} — {string.Join(", ", parameters)}"));
        }

        if (results.TestAccuracy is { } test)
        {
            rows.Add(("test accuracy of the best", test.ToString("0.0000", CultureInfo.InvariantCulture)));
        }

        return Html.Element("section", Html.Attribute("id", "overview"), Html.Element("h2", "Overview"),
            Html.Element("dl", rows.Select(row => new[] { Html.Element("dt", row.Term), Html.Element("dd", row.Value) })));
    }

    private static XElement LeaderboardTable(SearchResults results)
    {
        var ranked = Leaderboard.Rank(results.Trials, results.Metric, results.Maximize).ToList();
        var names = results.Trials.SelectMany(t => t.Parameters.Keys).Distinct().Order(StringComparer.Ordinal).ToList();
        var headings = new[] { "#", "trial", "state", results.Metric, "best val acc", "epochs", "params", "seconds" }.Concat(names).Append("note");
        var rows = ranked.Select((trial, index) =>
        {
            var bestVal = trial.Epochs.Select(e => e.Get(EpochMetrics.ValAccuracy)).Where(v => v is not null).DefaultIfEmpty().Max();
            var seconds = trial.Epochs.Sum(e => e.Get(EpochMetrics.EpochSeconds) ?? 0);
            var cells = new[]
            {
                (index + 1).ToString(CultureInfo.InvariantCulture), trial.Number.ToString(CultureInfo.InvariantCulture), trial.State.ToString().ToLowerInvariant(),
                ProgressPrinter.Format(trial.Objective), ProgressPrinter.Format(bestVal), trial.Epochs.Count.ToString(CultureInfo.InvariantCulture),
                trial.ParameterCount?.ToString(CultureInfo.InvariantCulture) ?? "-", seconds.ToString("0.0", CultureInfo.InvariantCulture),
            }.Concat(names.Select(name => trial.Parameters.TryGetValue(name, out var value) ? ResultPrinter.FormatValue(value) : ""));
            return Html.Element("tr", Html.Attribute("class", trial.State.ToString().ToLowerInvariant()),
                cells.Select(cell => Html.Element("td", cell)),
                // A failure reason may carry a program's whole stderr tail: its first line, the rest on hover.
                Html.Element("td", Html.Attribute("class", "note"), Html.Attribute("title", trial.FailureReason ?? ""), ResultPrinter.FirstLine(trial.FailureReason)));
        });
        return Html.Element("section", Html.Attribute("id", "leaderboard"), Html.Element("h2", "Leaderboard"),
            Html.Element("div", Html.Attribute("class", "fit"),
                Html.Element("table", Html.Attribute("class", "sortable"),
                    Html.Element("thead", Html.Element("tr", headings.Select(heading => Html.Element("th", heading)))),
                    Html.Element("tbody", rows))),
            Html.Element("p", Html.Attribute("class", "hint"), "Click a column header to sort."));
    }

    private const string Style = """
        body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:2em auto;max-width:1000px;color:#222;padding:0 1em}
        h1{font-size:1.5em}h2{font-size:1.15em;margin:.2em 0}
        dl{display:grid;grid-template-columns:max-content auto;gap:.2em 1em}dt{font-weight:600}dd{margin:0}
        figure.chart{margin:2em 0;border:1px solid #ddd;border-radius:6px;padding:1em}figure.chart svg{max-width:100%;height:auto;display:block}
        figcaption p{color:#555;margin:.2em 0 .8em}
        ul.findings{list-style:none;padding:0}li.finding{border-left:4px solid #999;padding:.4em .8em;margin:.5em 0;background:#fafafa}
        li.problem{border-color:#c0392b}li.warning{border-color:#e67e22}li.info{border-color:#2980b9}.scope{color:#666;font-size:.9em}.ok{color:#27ae60}
        div.fit{max-width:100%;overflow-x:auto}
        table{border-collapse:collapse;font-size:.85em;width:100%}th,td{border-bottom:1px solid #e5e5e5;padding:.3em .4em;text-align:left;overflow-wrap:anywhere}
        td.note{max-width:16em;overflow:hidden;text-overflow:ellipsis;white-space:nowrap}
        th{cursor:pointer;background:#f4f4f4}tr.pruned,tr.failed,tr.cancelled{color:#999}.hint{color:#888;font-size:.8em}
        footer{margin-top:2em;color:#888;font-size:.8em}
        """;

    // Written raw (see Html.RawText): no less-than, greater-than or ampersand in it.
    private const string Script = """
        (function(){
          var errors=[];
          window.addEventListener('error',function(e){errors.push(String(e.message));document.body.dataset.errors=errors.join(' | ');});
          function rendered(){
            var n=0;
            document.querySelectorAll('figure.chart').forEach(function(f){
              var svg=f.querySelector('svg');
              if(svg){var b=svg.getBoundingClientRect();if(Math.min(b.width,b.height)){n++;f.dataset.rendered='true';}}
            });
            document.body.dataset.rendered=String(n);
          }
          document.querySelectorAll('table.sortable th').forEach(function(th,col){
            th.addEventListener('click',function(){
              var body=th.closest('table').tBodies[0],rows=Array.prototype.slice.call(body.rows);
              var asc=th.dataset.asc!=='true';th.dataset.asc=String(asc);
              rows.sort(function(a,b){
                var x=a.cells[col].textContent,y=b.cells[col].textContent,nx=parseFloat(x),ny=parseFloat(y);
                var c=isNaN(nx+ny)?x.localeCompare(y):nx-ny;return asc?c:-c;});
              rows.forEach(function(r){body.appendChild(r);});
            });
          });
          if(document.readyState==='complete'){rendered();}else{window.addEventListener('load',rendered);}
        })();
        """;
}
