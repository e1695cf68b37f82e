using System.Globalization;
using HyperSearch.Cli.Results;
using HyperSearch.Contracts.Trials;
using HyperSearch.Diagnostics;
using ScottPlot;

namespace HyperSearch.Cli.Reports;

/// <summary>The report's charts, drawn with ScottPlot (rendered offline to SVG for the page and PNG for terminals and CI).</summary>
internal static class ReportCharts
{
    public const int Width = 900;
    public const int Height = 480;

    public sealed record Chart(string Id, string Title, string Caption, Plot Plot);

    public static IReadOnlyList<Chart> Build(SearchResults results)
    {
        var charts = new List<Chart>
        {
            LearningCurves(results),
            BestSoFar(results),
            ParallelCoordinates(results),
            Importance(results),
        };
        if (ParetoChart.For(results) is { } pareto)
        {
            charts.Insert(0, pareto);
        }

        return charts;
    }

    /// <summary>Val accuracy per epoch for every trial; pruned and failed ones dimmed, the best one bold.</summary>
    public static Chart LearningCurves(SearchResults results)
    {
        var plot = NewPlot("Validation accuracy per epoch", "epoch", "val accuracy");
        var best = results.Best?.Number;
        var palette = new ScottPlot.Palettes.Category10();
        foreach (var trial in results.Trials.OrderBy(t => t.Number == best).ThenBy(t => t.Number))
        {
            var points = trial.Epochs.Where(e => e.Get(EpochMetrics.ValAccuracy) is { } v && double.IsFinite(v)).ToList();
            if (points.Count == 0)
            {
                continue;
            }

            var xs = points.Select(e => (double)e.Epoch).ToArray();
            var ys = points.Select(e => e.Get(EpochMetrics.ValAccuracy)!.Value).ToArray();
            var dimmed = trial.State is TrialState.Pruned or TrialState.Failed or TrialState.Cancelled;
            var color = dimmed ? Colors.Gray.WithAlpha(0.35) : palette.GetColor(trial.Number);
            var line = plot.Add.Scatter(xs, ys, color);
            line.LineWidth = trial.Number == best ? 4 : dimmed ? 1 : 2;
            line.MarkerSize = dimmed ? 3 : 5;
            if (trial.State == TrialState.Failed)
            {
                line.LinePattern = LinePattern.Dashed;
            }

            if (!dimmed || trial.Number == best)
            {
                line.LegendText = $"trial {trial.Number}{(trial.Number == best ? " (best)" : "")}";
            }
        }

        // Epochs are whole numbers: no 1.5 ticks.
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic { IntegerTicksOnly = true };
        plot.ShowLegend(Edge.Right);
        return new Chart("learning-curves", "Learning curves",
            "Validation accuracy after each epoch of every trial. The best trial is drawn bold; pruned, failed and cancelled trials are grey.", plot);
    }

    /// <summary>The best objective reached so far against wall time since the search started.</summary>
    public static Chart BestSoFar(SearchResults results)
    {
        var plot = NewPlot($"Best {results.Metric} so far", "minutes since the search started", results.Metric);
        var events = new List<(DateTimeOffset At, double Value)>();
        foreach (var trial in results.Trials.Where(t => t.StartedAt is not null))
        {
            var at = trial.StartedAt!.Value;
            foreach (var epoch in trial.Epochs)
            {
                at += TimeSpan.FromSeconds(epoch.Get(EpochMetrics.EpochSeconds) ?? 0);
                if (epoch.Get(results.Metric) is { } v && double.IsFinite(v))
                {
                    events.Add((at, v));
                }
            }
        }

        if (events.Count > 0)
        {
            var start = results.StartedAt ?? events.Min(e => e.At);
            var ordered = events.OrderBy(e => e.At).ToList();
            var xs = new List<double>();
            var ys = new List<double>();
            double? best = null;
            foreach (var (at, value) in ordered)
            {
                if (best is null || (results.Maximize ? value > best : value < best))
                {
                    best = value;
                    xs.Add((at - start).TotalMinutes);
                    ys.Add(value);
                }
            }

            xs.Add((ordered[^1].At - start).TotalMinutes);
            ys.Add(best!.Value);
            var line = plot.Add.Scatter(xs.ToArray(), ys.ToArray(), Colors.C0);
            line.ConnectStyle = ConnectStyle.StepHorizontal;
            line.LineWidth = 3;
            var all = plot.Add.Scatter(ordered.Select(e => (e.At - start).TotalMinutes).ToArray(), ordered.Select(e => e.Value).ToArray(), Colors.Gray.WithAlpha(0.5));
            all.LineWidth = 0;
            all.MarkerSize = 4;
        }

        return new Chart("best-so-far", "Best so far over time",
            $"The best {results.Metric} any trial had reached (step line) and every epoch's value (grey dots), against wall time.", plot);
    }

    /// <summary>One vertical axis per searched parameter plus the objective; one line per trial coloured by its objective.</summary>
    public static Chart ParallelCoordinates(SearchResults results)
    {
        var plot = NewPlot("Parameters of every trial, coloured by accuracy", "", "position within each parameter's range");
        var trials = results.Trials.Where(t => t.Objective is { } o && double.IsFinite(o)).ToList();
        var names = trials.SelectMany(t => t.Parameters.Keys).Distinct().Order(StringComparer.Ordinal).ToList();
        var axes = names.Append(results.Metric).ToList();
        var values = axes.Select((name, i) => i < names.Count
            ? trials.Select(t => t.Parameters.TryGetValue(name, out var v) ? v : null).ToList()
            : trials.Select(t => (object?)t.Objective).ToList()).ToList();
        var positions = values.Select(Normalize).ToList();
        var objectives = trials.Select(t => t.Objective!.Value).ToList();
        var (low, high) = objectives.Count > 0 ? (objectives.Min(), objectives.Max()) : (0.0, 1.0);
        var colormap = new ScottPlot.Colormaps.Viridis();
        foreach (var (trial, index) in trials.Select((t, i) => (t, i)).OrderBy(x => results.Maximize ? x.t.Objective : -x.t.Objective))
        {
            var fraction = high > low ? (trial.Objective!.Value - low) / (high - low) : 1;
            var line = plot.Add.Scatter(Enumerable.Range(0, axes.Count).Select(i => (double)i).ToArray(),
                positions.Select(p => p[index]).ToArray(), colormap.GetColor(fraction));
            line.LineWidth = 2;
            line.MarkerSize = 5;
        }

        for (var i = 0; i < axes.Count; i++)
        {
            var axis = plot.Add.VerticalLine(i);
            axis.Color = Colors.Black.WithAlpha(0.4);
            axis.LineWidth = 1;
            var (lo, hi) = Range(values[i]);
            var top = plot.Add.Text(hi, i, 1.04);
            var bottom = plot.Add.Text(lo, i, -0.08);
            top.LabelFontSize = bottom.LabelFontSize = 11;
            top.LabelAlignment = bottom.LabelAlignment = Alignment.MiddleCenter;
        }

        plot.Axes.Bottom.SetTicks(Enumerable.Range(0, axes.Count).Select(i => (double)i).ToArray(), axes.ToArray());
        plot.Axes.SetLimits(-0.3, Math.Max(1, axes.Count - 1) + 0.3, -0.15, 1.12);
        // The colour key: five swatches from the worst to the best objective.
        foreach (var step in new[] { 1.0, 0.75, 0.5, 0.25, 0.0 })
        {
            plot.Legend.ManualItems.Add(new LegendItem
            {
                LabelText = $"{results.Metric} {ObjectiveText(low + step * (high - low))}",
                LineColor = colormap.GetColor(step),
                LineWidth = 4,
            });
        }

        plot.ShowLegend(Edge.Right);
        return new Chart("parallel-coordinates", "Parallel coordinates",
            $"One line per trial through its parameter values (each axis spans that parameter's range, labelled at its ends) and its {results.Metric}; " +
            $"colour from purple ({ObjectiveText(low)}) to yellow ({ObjectiveText(high)}).", plot);
    }

    public static Chart Importance(SearchResults results)
    {
        var plot = NewPlot("Parameter importance", "share of the explained variance (sums to 1)", "");
        var scored = results.Trials.Where(t => t.Objective is { } o && double.IsFinite(o))
            .Select(t => (t.Parameters, t.Objective!.Value)).ToList();
        var (importance, why) = ParameterImportance.Shares(scored);
        importance = importance.Reverse().ToList();
        if (why is null)
        {
            var bars = plot.Add.Bars(importance.Select(i => i.Importance).ToArray());
            bars.Horizontal = true;
            bars.Color = Colors.C0;
            plot.Axes.Left.SetTicks(Enumerable.Range(0, importance.Count).Select(i => (double)i).ToArray(), importance.Select(i => i.Parameter).ToArray());
            plot.Axes.SetLimitsX(0, 1);
        }

        else
        {
            var note = plot.Add.Text($"not computed: {why}", 0.5, 0.5);
            note.LabelAlignment = Alignment.MiddleCenter;
            plot.Axes.SetLimits(0, 1, 0, 1);
        }

        return new Chart("parameter-importance", "Parameter importance",
            why is null
                ? "Each parameter's share of the explained spread in the objective across the trials (between-group variance η² of each, numeric values in quantile bins, scaled so the shares sum to 1). Few trials make this rough."
                : $"Not computed: {why}.", plot);
    }

    public static string Svg(Chart chart) => chart.Plot.GetSvgXml(Width, Height);

    public static byte[] Png(Chart chart) => chart.Plot.GetImageBytes(Width, Height, ImageFormat.Png);

    private static Plot NewPlot(string title, string x, string y)
    {
        var plot = new Plot();
        plot.Title(title);
        plot.XLabel(x);
        plot.YLabel(y);
        return plot;
    }

    /// <summary>Positions in [0,1] along one parallel axis: numbers by range (log scale when they span 2+ decades), other values by sorted rank.</summary>
    private static double[] Normalize(List<object?> values)
    {
        if (values.Count == 0)
        {
            return [];
        }

        var numbers = values.Select(ParameterImportance.AsNumber).ToList();
        if (numbers.All(n => n is not null))
        {
            var log = numbers.All(n => n > 0) && numbers.Max()!.Value / numbers.Min()!.Value >= 100;
            var xs = numbers.Select(n => log ? Math.Log10(n!.Value) : n!.Value).ToArray();
            var (lo, hi) = (xs.Min(), xs.Max());
            return xs.Select(x => hi > lo ? (x - lo) / (hi - lo) : 0.5).ToArray();
        }

        var labels = values.Select(Label).ToList();
        var levels = labels.Distinct().Order(StringComparer.Ordinal).ToList();
        return labels.Select(l => levels.Count > 1 ? levels.IndexOf(l) / (double)(levels.Count - 1) : 0.5).ToArray();
    }

    private static (string Low, string High) Range(List<object?> values)
    {
        if (values.Count == 0)
        {
            return ("", "");
        }

        var numbers = values.Select(ParameterImportance.AsNumber).ToList();
        if (numbers.All(n => n is not null))
        {
            return (Number(numbers.Min()!.Value), Number(numbers.Max()!.Value));
        }

        var levels = values.Select(Label).Distinct().Order(StringComparer.Ordinal).ToList();
        return (levels[0], levels[^1]);
    }

    private static string Label(object? value) => value is null ? "-" : Output.ResultPrinter.FormatValue(value);

    private static string Number(double value) => value.ToString("G3", CultureInfo.InvariantCulture);

    private static string ObjectiveText(double value) => value.ToString("0.000", CultureInfo.InvariantCulture);
}
