using System.Globalization;

namespace HyperSearch.Runners;

/// <summary>Runs a black-box program per trial (<c>trainer: { command: [...] }</c>). The protocol is in
/// docs/command-trials.md: parameters in as a JSON file and environment variables, one JSON line per epoch out
/// on stdout, SIGTERM then SIGKILL to stop.</summary>
/// <param name="onDiagnostic">Gets one message per stdout line that is not a metrics line (the program keeps
/// running); the host logs it. Must not throw.</param>
public sealed class CommandTrialRunner(Action<string>? onDiagnostic = null) : ITrialRunner
{
    public const string TestAccuracyField = "test_accuracy";
    public const string TestLossField = "test_loss";
    public const string TestCountField = "count";

    public async Task<TrialOutcomeReport> RunAsync(WorkItem work, Func<EpochMetrics, Task<EpochDecision>> onEpoch, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(work);
        ArgumentNullException.ThrowIfNull(onEpoch);
        if (Prepare(work, CommandEnvironment.TrainMode, out var problem) is not { } invocation)
        {
            return Failed(problem!);
        }

        var unparsed = new UnparsedLines(Label(work), onDiagnostic);
        var epochs = 0;
        async Task<bool> OnLine(string text)
        {
            var line = MetricsLine.Parse(text);
            switch (line.Kind)
            {
                case MetricsLineKind.Epoch when cancellationToken.IsCancellationRequested:
                    // Lines the program printed before it was stopped: a cancelled attempt reports nothing more.
                    return true;
                case MetricsLineKind.Epoch:
                    epochs++;
                    return await onEpoch(line.ToEpochMetrics()) == EpochDecision.Continue;
                case MetricsLineKind.Invalid:
                    unparsed.Add(text, line.Problem!);
                    return true;
                default:
                    // Blank lines, and JSON objects without "epoch" (a final summary, say), carry nothing to report.
                    return true;
            }
        }

        var result = await CommandExecution.RunAsync(invocation, OnLine, cancellationToken);
        var outcome = result.End switch
        {
            CommandEnd.NotStarted => Failed(result.StartProblem!),
            CommandEnd.Stopped => new TrialOutcomeReport(TrialState.Pruned, null, null),
            CommandEnd.Cancelled => new TrialOutcomeReport(TrialState.Cancelled, null, null),
            CommandEnd.TimedOut => Failed(Explain($"timed out after {Format(invocation.Timeout!.Value)}", result, unparsed)),
            _ when result.ExitCode != 0 => Failed(Explain($"exit code {result.ExitCode}", result, unparsed)),
            // A clean exit with nothing reported has no objective: most likely the program printed its metrics
            // somewhere else (stderr, a log file) or in another format, and that should not pass as a success.
            _ when epochs == 0 => Failed(Explain("exited with code 0 but reported no epoch metrics on stdout", result, unparsed)),
            _ => new TrialOutcomeReport(TrialState.Completed, null, null),
        };
        // Kept whatever the outcome: warnings on stderr of a trial that completed are worth seeing too.
        return result.Stderr.TotalLines > 0 ? outcome with { StderrTail = result.Stderr.ToString() } : outcome;
    }

    /// <summary>Runs the same command with HYPERSEARCH_MODE=test and takes the last stdout JSON object that has
    /// a numeric "test_accuracy" (with "test_loss" and "count" if present).</summary>
    /// <exception cref="InvalidOperationException">The program failed, timed out, or printed no test result.</exception>
    /// <exception cref="OperationCanceledException">Cancelled; the program was stopped first.</exception>
    public async Task<TestResult> EvaluateTestAsync(WorkItem work, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(work);
        var label = Label(work);
        if (Prepare(work, CommandEnvironment.TestMode, out var problem) is not { } invocation)
        {
            throw new InvalidOperationException($"test evaluation of {label}: {problem}");
        }

        var unparsed = new UnparsedLines(label, onDiagnostic);
        TestResult? found = null;
        Task<bool> OnLine(string text)
        {
            var line = MetricsLine.Parse(text);
            if (line.Kind == MetricsLineKind.Invalid)
            {
                unparsed.Add(text, line.Problem!);
            }
            else if (line.Values.TryGetValue(TestAccuracyField, out var accuracy))
            {
                found = new TestResult(
                    accuracy,
                    line.Values.GetValueOrDefault(TestLossField, double.NaN),
                    line.Values.TryGetValue(TestCountField, out var count) && double.IsFinite(count) ? (int)Math.Clamp(count, 0, int.MaxValue) : 0);
            }

            return Task.FromResult(true);
        }

        var result = await CommandExecution.RunAsync(invocation, OnLine, cancellationToken);
        if (result.End == CommandEnd.Cancelled)
        {
            throw new OperationCanceledException($"test evaluation of {label} was cancelled", cancellationToken);
        }

        var failure = result.End switch
        {
            CommandEnd.NotStarted => result.StartProblem,
            CommandEnd.TimedOut => Explain($"timed out after {Format(invocation.Timeout!.Value)}", result, unparsed),
            _ when result.ExitCode != 0 => Explain($"exit code {result.ExitCode}", result, unparsed),
            _ when found is null => Explain($"printed no JSON line with a numeric \"{TestAccuracyField}\" on stdout", result, unparsed),
            _ => null,
        };
        return failure is null ? found! : throw new InvalidOperationException($"test evaluation of {label} failed: {failure}");
    }

    private static CommandInvocation? Prepare(WorkItem work, string mode, out string? problem)
    {
        var trainer = work.Spec.Trainer;
        if (trainer.Command is not { Count: > 0 } command)
        {
            problem = "the trainer has no command";
            return null;
        }

        var workingDirectory = Path.GetFullPath(trainer.WorkingDirectory ?? Directory.GetCurrentDirectory());
        if (!Directory.Exists(workingDirectory))
        {
            problem = $"working directory not found: {workingDirectory}";
            return null;
        }

        if (ProgramLocator.Resolve(command[0], workingDirectory, out problem) is not { } program)
        {
            return null;
        }

        Dictionary<string, string> environment;
        try
        {
            environment = CommandEnvironment.Prepare(work, mode);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            problem = $"could not write the parameters to {work.CheckpointDirectory}: {e.Message}";
            return null;
        }

        return new CommandInvocation(program, [.. command.Skip(1)], workingDirectory, environment, trainer.Timeout, trainer.StopGracePeriod);
    }

    private static string Explain(string what, CommandResult result, UnparsedLines unparsed)
    {
        var reason = what;
        if (result.Stderr.TotalLines > 0)
        {
            reason += $"; stderr tail:\n{result.Stderr}";
        }

        return unparsed.Summary is { } summary ? $"{reason}\n{summary}" : reason;
    }

    private static TrialOutcomeReport Failed(string reason) => new(TrialState.Failed, reason, null);

    private static string Label(WorkItem work) =>
        $"trial {work.TrialNumber} (attempt {work.LeaseToken}) of search {work.SearchId}";

    private static string Format(TimeSpan duration) => duration.TotalSeconds < 120
        ? $"{duration.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture)}s"
        : duration.ToString("c", CultureInfo.InvariantCulture);
}
