using System.CommandLine;
using System.CommandLine.Invocation;
using HyperSearch.Cli.Commands;
using HyperSearch.Cli.Parsing;
using HyperSearch.Contracts.Security;
using HyperSearch.Contracts.Specs;
using HyperSearch.Specs;

namespace HyperSearch.Cli;

/// <summary>Parses a command line (System.CommandLine, the tree in <see cref="CliCommands"/>), runs its command and
/// maps failures to exit codes: 0 success, 2 bad input, 1 failure. Errors go to stderr, the clear one-line reason first.</summary>
public static class CommandLine
{
    public const string HelpFooter = "hypersearch COMMAND --help describes one command's options.";

    public const string Help = $"""
        hypersearch — distributed hyperparameter search for CNN image classifiers

        usage:
          {RunCommand.Usage}
              run a search in this process (an embedded silo, no services) and keep results in ./runs/<id>/
          hypersearch validate SPEC [--data-dir DIR] [--no-data]
              check a spec completely, loading and checking its data unless --no-data (0 valid, 2 invalid)
          hypersearch knobs
              list the training knobs a spec's training and space sections can set
          {UiCommand.Usage}
              serve the web UI for run directories (default ./runs), read-only, on 127.0.0.1 (default port 8090)
        {SearchCommands.Usage}
        {ResultCommands.Usage}

        {HelpFooter}
        exit codes: 0 success, 1 failure or cancelled, 2 bad input (nothing started),
                    3 the search failed (no trial completed, or more than max_failed_trials failed)
        """;

    public static async Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr)
    {
        try
        {
            var root = CliCommands.Root(new CliOutput(stdout, stderr));
            var parsed = root.Parse(args);
            if (parsed.Action is ParseErrorAction)
            {
                if (ParseErrors.IsBareCommandLine(parsed))
                {
                    stdout.WriteLine(CliCommands.Overview(root));
                    return ExitCodes.BadInput;
                }

                throw new UsageException(ParseErrors.Describe(parsed));
            }

            // Errors are ours to report (below, with their exit codes), and so is Ctrl-C: `run` cancels its search.
            return await parsed.InvokeAsync(new InvocationConfiguration
            {
                Output = stdout,
                Error = stderr,
                EnableDefaultExceptionHandler = false,
                ProcessTerminationTimeout = null,
            });
        }
        catch (SpecException e)
        {
            // One problem fits the first line, which is all many readers see; several are listed after a count.
            if (e.Errors.Count == 1)
            {
                stderr.WriteLine($"error: invalid spec {e.Errors[0].Format(e.SpecSource)}; nothing was started");
            }
            else
            {
                stderr.WriteLine($"error: invalid spec {e.SpecSource} ({e.Errors.Count} problems); nothing was started");
                stderr.WriteLine(e.Message);
            }

            return ExitCodes.BadInput;
        }
        catch (UsageException e)
        {
            stderr.WriteLine($"error: {e.Message}");
            return ExitCodes.BadInput;
        }
        catch (AccessRefusedException e)
        {
            // The cluster's answer to this client's certificate: the role it grants does not allow the call.
            stderr.WriteLine($"error: {e.Message}");
            return ExitCodes.Failure;
        }
        catch (ConnectionException e)
        {
            stderr.WriteLine($"error: {e.Message}");
            return ExitCodes.Failure;
        }
        catch (Exception e)
        {
            stderr.WriteLine($"error: {e.GetBaseException().Message}");
            stderr.WriteLine(e.ToString());
            return ExitCodes.Failure;
        }
    }
}
