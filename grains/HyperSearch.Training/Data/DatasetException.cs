namespace HyperSearch.Training;

/// <summary>A dataset file is missing, truncated or inconsistent; the message names the file and what was expected.</summary>
public class DatasetException : Exception
{
    public DatasetException(string message) : base(message) { }

    public DatasetException(string message, Exception inner) : base(message, inner) { }
}

/// <summary>
/// The splits disagree in scale (e.g. training in [0,1], test in [0,255]); the message names the split
/// and how it differs. Raised by <see cref="DatasetCatalog.Load"/> before anything trains.
/// </summary>
public sealed class PreprocessingMismatchException(string split, string message) : DatasetException(message)
{
    /// <summary>The split that disagrees with the training split ("validation" or "test").</summary>
    public string Split { get; } = split;
}
