// Nearly every test here trains for real (embedded silo, libtorch on every core) or starts the CLI as a process:
// on a 2-core machine they run one after another rather than fight over the cores.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
