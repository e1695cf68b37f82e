using Microsoft.Extensions.Hosting;

namespace HyperSearch.Cli.Commands;

/// <summary>Stops the embedded silo once its search has ended and its state is stored: running trials are handed back
/// (a resumed run continues them), then the silo leaves. Nothing is left to hand anything to, so a short stop is enough.</summary>
internal static class EmbeddedShutdown
{
    public static async Task StopAsync(IHost host)
    {
        using var stopping = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        try
        {
            await host.StopAsync(stopping.Token);
        }
        catch (Exception e) when (e is OperationCanceledException or TimeoutException)
        {
            // The state is already stored; a silo slow to leave is not the user's problem.
        }
    }
}
