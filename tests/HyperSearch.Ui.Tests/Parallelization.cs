// Each test runs a silo, trial processes and a browser: one at a time on a small machine.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
