using Spectre.Console;

namespace HyperSearch.Cli.Output;

internal static class ConsoleFactory
{
    /// <summary>A console over any writer; when it is not a terminal (a pipe, a log, a test) tables get room to breathe
    /// instead of being folded into 80 columns.</summary>
    public static IAnsiConsole For(TextWriter writer)
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(writer) });
        if (writer != Console.Out || Console.IsOutputRedirected)
        {
            console.Profile.Width = 200;
        }

        return console;
    }
}
