using HyperSearch.Runners;

namespace HyperSearch.Grains.Tests.CommandTrials;

public sealed class MetricsLineTests
{
    [Theory]
    [InlineData("", MetricsLineKind.Blank)]
    [InlineData("   ", MetricsLineKind.Blank)]
    [InlineData("""{"epoch": 1, "val_accuracy": 0.9}""", MetricsLineKind.Epoch)]
    [InlineData("""  {"epoch": 0, "loss": 1e-3}  """, MetricsLineKind.Epoch)]
    [InlineData("""{"epoch": 2.0, "loss": 1}""", MetricsLineKind.Epoch)]
    [InlineData("""{"test_accuracy": 0.9}""", MetricsLineKind.Other)]
    [InlineData("""{"status": "done"}""", MetricsLineKind.Other)]
    [InlineData("Epoch 1: accuracy 0.9", MetricsLineKind.Invalid)]
    [InlineData("[1, 2]", MetricsLineKind.Invalid)]
    [InlineData("""{"epoch": 1, "val_accuracy": 0.9""", MetricsLineKind.Invalid)]
    [InlineData("""{"epoch": 1.5, "loss": 1}""", MetricsLineKind.Invalid)]
    [InlineData("""{"epoch": -1, "loss": 1}""", MetricsLineKind.Invalid)]
    [InlineData("""{"epoch": "1", "loss": 1}""", MetricsLineKind.Invalid)]
    [InlineData("""{"epoch": 1}""", MetricsLineKind.Invalid)]
    [InlineData("""{"epoch": 1, "name": "x"}""", MetricsLineKind.Invalid)]
    public void Classifies_lines(string line, MetricsLineKind expected) => Assert.Equal(expected, MetricsLine.Parse(line).Kind);

    [Fact]
    public void Keeps_numbers_and_drops_everything_else()
    {
        var line = MetricsLine.Parse("""{"epoch": 3, "a": 1, "b": -2.5e2, "c": "text", "d": true, "e": null, "f": [1], "g": {"h": 1}}""");

        Assert.Equal(3, line.Epoch);
        Assert.Equal(new Dictionary<string, double> { ["a"] = 1, ["b"] = -250 }, line.Values);
        Assert.Equal(3, line.ToEpochMetrics().Epoch);
    }

    [Fact]
    public void Accepts_the_non_finite_words_python_writes_but_not_inside_strings()
    {
        var line = MetricsLine.Parse("""{"epoch": 1, "loss": NaN, "grad": Infinity, "low": -Infinity, "note": "NaN Infinity", "x": 1}""");

        Assert.Equal(MetricsLineKind.Epoch, line.Kind);
        Assert.True(double.IsNaN(line.Values["loss"]));
        Assert.Equal(double.PositiveInfinity, line.Values["grad"]);
        Assert.Equal(double.NegativeInfinity, line.Values["low"]);
        Assert.False(line.Values.ContainsKey("note"));
    }

    [Theory]
    [InlineData("""{"a": [Infinity, -Infinity], "b": 1}""", MetricsLineKind.Other)]
    [InlineData("""{"NaN": "say \"NaN\" Infinity", "b": 1}""", MetricsLineKind.Other)]
    [InlineData("""{"a": NaNa}""", MetricsLineKind.Invalid)]
    [InlineData("""{"a": nan}""", MetricsLineKind.Invalid)]
    public void Quotes_only_bare_words(string line, MetricsLineKind expected)
    {
        var parsed = MetricsLine.Parse(line);

        Assert.Equal(expected, parsed.Kind);
        if (expected == MetricsLineKind.Other)
        {
            Assert.Equal(["b"], parsed.Values.Keys);
        }
    }
}
