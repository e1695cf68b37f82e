// Every test here starts in-process silo clusters, redis-server or both: on a 2-core machine they run one after
// another rather than starve each other's membership probes and timeouts.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
