namespace HyperSearch.Bench;

internal static class TrainThroughputBenchmark
{
    public static Task<int> RunAsync(string[] args) => throw new NotImplementedException("train-throughput: not written yet");
}
