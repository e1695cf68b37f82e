namespace HyperSearch.Tuning.Support;

/// <summary>A bad algorithm option, naming the option so a spec error can point at its line.</summary>
public sealed class OptionException(string option, string message) : ArgumentException(message)
{
    /// <summary>The snake_case option at fault, e.g. "mutate".</summary>
    public string Option { get; } = option;
}
