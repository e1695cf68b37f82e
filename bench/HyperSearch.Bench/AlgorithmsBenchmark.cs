namespace HyperSearch.Bench;

internal static class AlgorithmsBenchmark
{
    public static Task<int> RunAsync(string[] args) => throw new NotImplementedException("algorithms: not written yet");
}
