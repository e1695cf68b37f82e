using System.Runtime.CompilerServices;

// Tests check internals (readers, splits, optimizers); the benchmark drives the training step directly.
[assembly: InternalsVisibleTo("HyperSearch.Training.Tests")]
[assembly: InternalsVisibleTo("HyperSearch.Bench")]
