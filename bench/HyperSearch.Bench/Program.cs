using HyperSearch.Bench;

// Each benchmark prints a table and, as its last line, one JSON object with the figures it measured.
var benchmarks = new Dictionary<string, Func<string[], Task<int>>>(StringComparer.Ordinal)
{
    ["train-throughput"] = TrainThroughputBenchmark.RunAsync,
    ["fashion-accuracy"] = HyperSearch.Bench.Training.FashionAccuracyBenchmark.RunAsync,
    ["memory"] = HyperSearch.Bench.Training.MemoryBenchmark.RunAsync,
    ["algorithms"] = AlgorithmsBenchmark.RunAsync,
    ["multi-objective"] = MultiObjectiveBenchmark.RunAsync,
    ["scheduler-overhead"] = SchedulerOverheadBenchmark.RunAsync,
    ["search-efficiency"] = SearchEfficiencyBenchmark.RunAsync,
    ["scale"] = HyperSearch.Bench.Scale.ScaleBenchmark.RunAsync,
    ["pbt"] = HyperSearch.Bench.Pbt.PbtBenchmark.RunAsync,
    ["time-to-accuracy"] = HyperSearch.Bench.TimeToAccuracy.TimeToAccuracyBenchmark.RunAsync,
};

if (args.Length == 0 || !benchmarks.TryGetValue(args[0], out var run))
{
    Console.Error.WriteLine($"usage: HyperSearch.Bench <{string.Join('|', benchmarks.Keys)}> [options]");
    return 2;
}

return await run(args[1..]);
