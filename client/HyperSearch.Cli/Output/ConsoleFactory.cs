using Spectre.Console;

namespace HyperSearch.Cli.Output;

internal static class ConsoleFactory
{
    /// <summary>A console over any writer; when it is not a terminal (a pipe, a log, a test) tables get room to breathe
    /// instead of being folded into 80 columns.</summary>
    public static IAnsiConsole For(TextWriter writer)
    {
        // Spectre decides on colour from the environment, not from the writer: a pipe or log file would get escape codes.
        var plain = writer != Console.Out || Console.IsOutputRedirected;
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(writer),
            Ansi = plain ? AnsiSupport.No : AnsiSupport.Detect,
            ColorSystem = plain ? ColorSystemSupport.NoColors : ColorSystemSupport.Detect,
        });
        if (plain)
        {
            console.Profile.Width = 200;
        }

        return console;
    }
}
