using HyperSearch.Contracts.Trials;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization;

namespace HyperSearch.Grains.Tests.Contracts;

public sealed class MetricValuesTests
{
    private readonly Serializer _serializer = new ServiceCollection().AddSerializer().BuildServiceProvider().GetRequiredService<Serializer>();

    [Fact]
    public void An_epoch_reads_like_the_map_it_was_given()
    {
        var given = new Dictionary<string, double> { [EpochMetrics.ValAccuracy] = 0.71, [EpochMetrics.ValLoss] = 0.9, ["grad_norm"] = double.NaN };

        var values = new EpochMetrics(3, given).Values;

        Assert.IsType<MetricValues>(values);
        Assert.Equal(given, values);
        Assert.Equal(given.Keys, values.Keys);
        Assert.Equal(given.Values, values.Values);
        Assert.Equal(3, values.Count);
        Assert.Equal(0.9, values[EpochMetrics.ValLoss]);
        Assert.True(values.TryGetValue(new string("grad_norm".ToCharArray()), out var norm) && double.IsNaN(norm));
        Assert.False(values.ContainsKey(EpochMetrics.TrainLoss));
        Assert.False(values.TryGetValue(EpochMetrics.TrainLoss, out _));
        var missing = Assert.Throws<KeyNotFoundException>(() => values[EpochMetrics.TrainLoss]);
        Assert.Contains(EpochMetrics.TrainLoss, missing.Message);
    }

    [Fact]
    public void Epochs_with_the_same_names_share_them_and_other_names_get_their_own()
    {
        var first = new EpochMetrics(1, new Dictionary<string, double> { ["a"] = 1, ["b"] = 2 });
        var second = new EpochMetrics(2, new Dictionary<string, double> { ["a"] = 3, ["b"] = 4 });
        var other = new EpochMetrics(3, new Dictionary<string, double> { ["b"] = 5, ["a"] = 6 });

        Assert.Same(first.Values.Keys, second.Values.Keys);
        Assert.NotSame(second.Values.Keys, other.Values.Keys);
        Assert.Equal([3.0, 4.0], second.Values.Values);
        Assert.Equal(["b", "a"], other.Values.Keys);
        Assert.Equal(6, other.Values["a"]);
        Assert.Same(first.Values, MetricValues.From(first.Values));
    }

    [Fact]
    public void An_epoch_survives_the_wire_compact()
    {
        var sent = new EpochMetrics(4, new Dictionary<string, double> { [EpochMetrics.ValAccuracy] = 0.5, [EpochMetrics.Params] = 1e6 });

        var received = _serializer.Deserialize<EpochMetrics>(_serializer.SerializeToArray(sent))!;

        Assert.Equal(4, received.Epoch);
        Assert.IsType<MetricValues>(received.Values);
        Assert.Equal(sent.Values, received.Values);
    }

    [Fact]
    public void An_epoch_stored_as_a_dictionary_before_the_compact_form_still_reads()
    {
        // What earlier versions wrote: the same field, holding a Dictionary.
        var stored = new EpochMetrics(2, new Dictionary<string, double>()) { Values = new Dictionary<string, double> { [EpochMetrics.ValAccuracy] = 0.8 } };

        var read = _serializer.Deserialize<EpochMetrics>(_serializer.SerializeToArray(stored))!;

        Assert.IsType<Dictionary<string, double>>(read.Values);
        Assert.Equal(0.8, read.Get(EpochMetrics.ValAccuracy));
    }
}
