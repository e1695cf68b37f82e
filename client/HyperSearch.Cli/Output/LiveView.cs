using System.Globalization;
using HyperSearch.Contracts.Trials;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace HyperSearch.Cli.Output;

/// <summary>What a search watcher reports progress to: plain lines (<see cref="ProgressPrinter"/>) or the live view.</summary>
internal interface IProgressView
{
    void Update(SearchStatus status, IReadOnlyList<TrialRecord> trials);
}

/// <summary>
/// The live terminal view of a search: counts by state, the best so far, and a table of running trials with an epoch
/// progress bar, train/val accuracy and ETA, redrawn in place. Use <see cref="RunAsync{T}"/> when stdout is a
/// terminal (<see cref="IsTerminal"/>); plain lines otherwise.
/// </summary>
internal sealed class LiveView(TimeProvider? clock = null) : IProgressView
{
    private const int BarWidth = 10;
    private readonly TimeProvider _clock = clock ?? TimeProvider.System;
    private LiveDisplayContext? _context;

    public static bool IsTerminal(TextWriter stdout) =>
        stdout == Console.Out && !Console.IsOutputRedirected && AnsiConsole.Profile.Capabilities.Interactive && AnsiConsole.Profile.Capabilities.Ansi;

    /// <summary>Runs <paramref name="watch"/> (which calls <see cref="Update"/>) inside a live display on the terminal.</summary>
    public async Task<T> RunAsync<T>(Func<IProgressView, Task<T>> watch)
    {
        var result = default(T)!;
        await AnsiConsole.Live(new Markup("[grey]starting…[/]"))
            .AutoClear(false)
            .Overflow(VerticalOverflow.Ellipsis)
            .StartAsync(async ctx =>
            {
                _context = ctx;
                result = await watch(this);
            });
        _context = null;
        return result;
    }

    public void Update(SearchStatus status, IReadOnlyList<TrialRecord> trials)
    {
        if (_context is { } ctx)
        {
            ctx.UpdateTarget(Render(status, trials, _clock.GetUtcNow()));
        }
    }

    /// <summary>The whole view as one renderable (pure: tests render it to a string).</summary>
    public static IRenderable Render(SearchStatus status, IReadOnlyList<TrialRecord> trials, DateTimeOffset now)
    {
        var elapsed = ((status.EndedAt ?? now) - status.StartedAt).Duration();
        var done = status.Count(TrialState.Completed) + status.Count(TrialState.Pruned) + status.Count(TrialState.Failed) + status.Count(TrialState.Cancelled);
        var header = new Markup(
            $"[bold]{Markup.Escape(status.Name)}[/] [grey]({Markup.Escape(status.SearchId)})[/] · {status.State.ToString().ToLowerInvariant()} · {Clock(elapsed)} · " +
            $"{done}/{status.MaxTrials} trials done · {status.EpochsTrained} epochs trained");
        var counts = new Markup(string.Join("  ", new[]
        {
            ("running", TrialState.Running, "blue"), ("waiting", TrialState.Waiting, "grey"), ("completed", TrialState.Completed, "green"),
            ("pruned", TrialState.Pruned, "yellow"), ("failed", TrialState.Failed, "red"), ("cancelled", TrialState.Cancelled, "grey"),
        }.Select(s => $"[{s.Item3}]{s.Item1} {status.Count(s.Item2)}[/]")));
        var best = status.Best is { } b
            ? new Markup($"best so far: [bold green]{status.Metric} {ProgressPrinter.Format(b.Objective)}[/] (trial {b.Number}: " +
                         $"{Markup.Escape(string.Join(", ", b.Parameters.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key}={ResultPrinter.FormatValue(p.Value)}")))})")
            : new Markup("[grey]best so far: none yet[/]");

        var table = new Table().Border(TableBorder.Rounded).Title("running trials")
            .AddColumn("trial").AddColumn("epoch").AddColumn(new TableColumn("progress").NoWrap()).AddColumn("train acc").AddColumn("val acc")
            .AddColumn(new TableColumn("ETA").NoWrap()).AddColumn("worker");
        var byNumber = trials.ToDictionary(t => t.Number);
        foreach (var running in status.Running.OrderBy(r => r.Number))
        {
            var record = byNumber.GetValueOrDefault(running.Number);
            var eta = Eta(running, record, now);
            table.AddRow(
                new Text(running.Number.ToString(CultureInfo.InvariantCulture)),
                new Text($"{running.Epoch}/{running.MaxEpochs}"),
                new Markup(Bar(running.Epoch, running.MaxEpochs)),
                new Text(ProgressPrinter.Format(running.TrainAccuracy)),
                new Text(ProgressPrinter.Format(running.ValAccuracy)),
                new Text(eta is { } e ? Clock(e) : "-"),
                new Text(running.Worker ?? "-") { Overflow = Overflow.Ellipsis });
        }

        if (status.Running.Count == 0)
        {
            table.AddRow(new Markup("[grey]none[/]"), new Text(""), new Text(""), new Text(""), new Text(""), new Text(""), new Text(""));
        }

        return new Rows(header, counts, best, table);
    }

    /// <summary>Time left for a running trial: the mean epoch time so far times the epochs left, less the current epoch's progress.</summary>
    public static TimeSpan? Eta(RunningTrial running, TrialRecord? record, DateTimeOffset now)
    {
        var seconds = record?.Epochs.Select(e => e.Get(EpochMetrics.EpochSeconds)).Where(s => s is > 0).Select(s => s!.Value).ToList();
        if (seconds is null || seconds.Count == 0)
        {
            return null;
        }

        var perEpoch = seconds.Average();
        var left = Math.Max(0, running.MaxEpochs - running.Epoch) * perEpoch;
        if (running.StartedAt is { } started && left > 0)
        {
            // Time already spent in the epoch under way counts against the estimate.
            var inEpoch = (now - started).TotalSeconds - seconds.Sum();
            left -= Math.Clamp(inEpoch, 0, perEpoch);
        }

        return TimeSpan.FromSeconds(Math.Max(0, left));
    }

    public static string Bar(int done, int total)
    {
        var filled = total > 0 ? (int)Math.Round(BarWidth * Math.Clamp(done / (double)total, 0, 1), MidpointRounding.AwayFromZero) : 0;
        return $"[green]{new string('█', filled)}[/][grey]{new string('░', BarWidth - filled)}[/] {(total > 0 ? 100.0 * done / total : 0):0}%";
    }

    private static string Clock(TimeSpan t) => t.TotalHours >= 1 ? t.ToString(@"h\:mm\:ss", CultureInfo.InvariantCulture) : t.ToString(@"mm\:ss", CultureInfo.InvariantCulture);
}
