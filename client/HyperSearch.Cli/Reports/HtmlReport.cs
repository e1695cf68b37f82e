using System.Globalization;
using System.Net;
using System.Text;
using HyperSearch.Diagnostics;
using HyperSearch.Cli.Output;
using HyperSearch.Cli.Results;
using HyperSearch.Contracts.Trials;

namespace HyperSearch.Cli.Reports;

/// <summary>
/// One self-contained HTML page (no network: charts are inline ScottPlot SVG, styles and the little script are
/// inline) plus PNG copies of the charts. The script marks the page rendered once every chart has a visible
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
        var html = new StringBuilder();
        var title = $"HyperSearch report — {results.Name} ({results.SearchId})";
        html.Append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
        html.Append("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; img-src data:; style-src 'unsafe-inline'; script-src 'unsafe-inline'\">\n");
        html.Append($"<title>{E(title)}</title>\n<style>{Style}</style>\n</head>\n<body data-rendered=\"0\" data-errors=\"\">\n");
        html.Append($"<h1>{E(title)}</h1>\n");
        html.Append(Overview(results));

        html.Append("<section id=\"diagnostics\"><h2>Diagnostics</h2>\n");
        if (findings.Count == 0)
        {
            html.Append("<p class=\"ok\">Nothing suspicious: no overfitting, divergence, preprocessing mismatch or near-chance search was detected.</p>\n");
        }
        else
        {
            html.Append("<ul class=\"findings\">\n");
            foreach (var f in findings)
            {
                html.Append($"<li class=\"finding {f.Severity.ToString().ToLowerInvariant()}\" data-kind=\"{f.Kind}\"><strong>{E(f.Kind.Replace('_', ' '))}</strong> " +
                            $"<span class=\"scope\">{(f.Trial is { } t ? $"trial {t}" : "search")}{(f.Epoch is { } e ? $", epoch {e}" : "")}</span><br>{E(f.Message)}<br><em>Suggestion:</em> {E(f.Suggestion)}</li>\n");
            }

            html.Append("</ul>\n");
        }

        html.Append("</section>\n");

        foreach (var chart in charts)
        {
            html.Append($"<figure class=\"chart\" id=\"{chart.Id}\"><figcaption><h2>{E(chart.Title)}</h2><p>{E(chart.Caption)}</p></figcaption>\n");
            html.Append(StripXmlDeclaration(ReportCharts.Svg(chart)));
            html.Append("\n</figure>\n");
        }

        html.Append(LeaderboardTable(results));
        html.Append($"<footer>Generated {DateTimeOffset.UtcNow:u} from {E(results.Source)}. Charts drawn with ScottPlot; the page needs no network.</footer>\n");
        html.Append($"<script>{Script}</script>\n</body>\n</html>\n");
        return html.ToString();
    }

    private static string Overview(SearchResults r)
    {
        var byState = r.Trials.GroupBy(t => t.State).OrderBy(g => g.Key).Select(g => $"{g.Count()} {g.Key.ToString().ToLowerInvariant()}");
        var best = r.Best;
        var sb = new StringBuilder("<section id=\"overview\"><h2>Overview</h2><dl>\n");
        void Row(string k, string v) => sb.Append($"<dt>{E(k)}</dt><dd>{E(v)}</dd>\n");
        Row("state", $"{r.State}{(r.StopReason is null ? "" : $" ({r.StopReason})")}");
        Row("trials", $"{r.Trials.Count} ({string.Join(", ", byState)})");
        Row("objective", $"{(r.Maximize ? "maximize" : "minimize")} {r.Metric}");
        Row("wall time", $"{r.WallSeconds:0.0} s");
        if (best is not null)
        {
            Row("best trial", $"{best.Number}: {r.Metric} {ProgressPrinter.Format(best.Objective)} — {string.Join(", ", best.Parameters.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key}={ResultPrinter.FormatValue(p.Value)}"))}");
        }

        if (r.TestAccuracy is { } test)
        {
            Row("test accuracy of the best", test.ToString("0.0000", CultureInfo.InvariantCulture));
        }

        sb.Append("</dl></section>\n");
        return sb.ToString();
    }

    private static string LeaderboardTable(SearchResults r)
    {
        var ranked = Leaderboard.Rank(r.Trials, r.Metric, r.Maximize).ToList();
        var names = r.Trials.SelectMany(t => t.Parameters.Keys).Distinct().Order(StringComparer.Ordinal).ToList();
        var sb = new StringBuilder("<section id=\"leaderboard\"><h2>Leaderboard</h2><div class=\"fit\"><table class=\"sortable\"><thead><tr>");
        foreach (var h in new[] { "#", "trial", "state", r.Metric, "best val acc", "epochs", "params", "seconds" }.Concat(names).Append("note"))
        {
            sb.Append($"<th>{E(h)}</th>");
        }

        sb.Append("</tr></thead><tbody>\n");
        var rank = 1;
        foreach (var t in ranked)
        {
            var bestVal = t.Epochs.Select(e => e.Get(EpochMetrics.ValAccuracy)).Where(v => v is not null).DefaultIfEmpty().Max();
            var seconds = t.Epochs.Sum(e => e.Get(EpochMetrics.EpochSeconds) ?? 0);
            var cells = new[]
            {
                rank++.ToString(CultureInfo.InvariantCulture), t.Number.ToString(CultureInfo.InvariantCulture), t.State.ToString().ToLowerInvariant(),
                ProgressPrinter.Format(t.Objective), ProgressPrinter.Format(bestVal), t.Epochs.Count.ToString(CultureInfo.InvariantCulture),
                t.ParameterCount?.ToString(CultureInfo.InvariantCulture) ?? "-", seconds.ToString("0.0", CultureInfo.InvariantCulture),
            }.Concat(names.Select(n => t.Parameters.TryGetValue(n, out var v) ? ResultPrinter.FormatValue(v) : ""));
            sb.Append($"<tr class=\"{t.State.ToString().ToLowerInvariant()}\">");
            foreach (var c in cells)
            {
                sb.Append($"<td>{E(c)}</td>");
            }

            // A failure reason may carry a program's whole stderr tail: its first line, the rest on hover.
            sb.Append($"<td class=\"note\" title=\"{E(t.FailureReason ?? "")}\">{E(ResultPrinter.FirstLine(t.FailureReason))}</td>");

            sb.Append("</tr>\n");
        }

        sb.Append("</tbody></table></div><p class=\"hint\">Click a column header to sort.</p></section>\n");
        return sb.ToString();
    }

    private static string StripXmlDeclaration(string svg) =>
        svg.StartsWith("<?xml", StringComparison.Ordinal) ? svg[(svg.IndexOf("?>", StringComparison.Ordinal) + 2)..].TrimStart() : svg;

    private static string E(string text) => WebUtility.HtmlEncode(text);

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

    private const string Script = """
        (function(){
          var errors=[];
          window.addEventListener('error',function(e){errors.push(String(e.message));document.body.dataset.errors=errors.join(' | ');});
          function rendered(){
            var n=0;
            document.querySelectorAll('figure.chart').forEach(function(f){
              var svg=f.querySelector('svg');
              if(svg){var b=svg.getBoundingClientRect();if(b.width>0&&b.height>0){n++;f.dataset.rendered='true';}}
            });
            document.body.dataset.rendered=String(n);
          }
          document.querySelectorAll('table.sortable th').forEach(function(th,col){
            th.addEventListener('click',function(){
              var body=th.closest('table').tBodies[0],rows=Array.prototype.slice.call(body.rows);
              var asc=th.dataset.asc!=='true';th.dataset.asc=String(asc);
              rows.sort(function(a,b){
                var x=a.cells[col].textContent,y=b.cells[col].textContent,nx=parseFloat(x),ny=parseFloat(y);
                var c=(!isNaN(nx)&&!isNaN(ny))?nx-ny:x.localeCompare(y);return asc?c:-c;});
              rows.forEach(function(r){body.appendChild(r);});
            });
          });
          if(document.readyState==='complete'){rendered();}else{window.addEventListener('load',rendered);}
        })();
        """;
}
