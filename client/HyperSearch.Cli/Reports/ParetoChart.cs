using HyperSearch.Cli.Results;
using HyperSearch.Contracts.Trials;
using ScottPlot;

namespace HyperSearch.Cli.Reports;

/// <summary>The Pareto front of a two-objective search: every completed trial as a grey dot, the front in colour and
/// joined as a staircase, each front point labelled with its trial number.</summary>
internal static class ParetoChart
{
    /// <summary>The chart, or null when the search does not have exactly two objectives.</summary>
    public static ReportCharts.Chart? For(SearchResults results)
    {
        if (results.Spec?.Search.Objectives is not { Count: 2 } objectives)
        {
            return null;
        }

        var (x, y) = (objectives[0], objectives[1]);
        var plot = new Plot();
        plot.Title("Pareto front");
        plot.XLabel($"{x.Metric} ({(x.Maximize ? "max" : "min")})");
        plot.YLabel($"{y.Metric} ({(y.Maximize ? "max" : "min")})");
        var all = results.Trials
            .Where(t => t.State == TrialState.Completed && t.Epochs.Count > 0)
            .Select(t => (Trial: t, X: t.Epochs[^1].Get(x.Metric), Y: t.Epochs[^1].Get(y.Metric)))
            .Where(p => p.X is { } a && double.IsFinite(a) && p.Y is { } b && double.IsFinite(b))
            .ToList();
        if (all.Count > 0)
        {
            var others = plot.Add.ScatterPoints(all.Select(p => p.X!.Value).ToArray(), all.Select(p => p.Y!.Value).ToArray(), Colors.Gray.WithAlpha(0.5));
            others.MarkerSize = 6;
            others.LegendText = "completed trials";
        }

        var front = ParetoFront.Of(results.Trials, objectives).OrderBy(p => p.Values[x.Metric]).ToList();
        if (front.Count > 0)
        {
            var line = plot.Add.Scatter(front.Select(p => p.Values[x.Metric]).ToArray(), front.Select(p => p.Values[y.Metric]).ToArray(), Colors.OrangeRed);
            line.MarkerSize = 9;
            line.LineWidth = 2;
            line.ConnectStyle = ConnectStyle.StepVertical; // the edge of the region the front dominates
            line.LegendText = "Pareto front";
            foreach (var point in front)
            {
                plot.Add.Text($"#{point.Trial.Number}", point.Values[x.Metric], point.Values[y.Metric]).LabelFontSize = 11;
            }
        }

        plot.ShowLegend(Edge.Right);
        var members = front.Count == 0 ? "none yet" : string.Join(", ", front.Select(p => $"#{p.Trial.Number}"));
        return new ReportCharts.Chart("pareto-front", "Pareto front",
            $"Final {x.Metric} against {y.Metric} of every completed trial; the front (no trial is better on both) in colour: {members}.", plot);
    }
}
