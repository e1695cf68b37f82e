namespace HyperSearch.Training.Tests;

public sealed class HyperparametersTests
{
    private static Dictionary<string, object> Knobs(params (string Key, object Value)[] values) => values.ToDictionary(v => v.Key, v => v.Value);

    [Fact]
    public void No_knobs_give_the_seed_model()
    {
        var c = Hyperparameters.Parse(Knobs());
        Assert.Equal(TrialConfig.Seed, c);
        Assert.Equal([new ConvLayerConfig(64, 3), new ConvLayerConfig(256, 2)], c.ConvLayers);
        Assert.Equal([1024], c.DenseUnits);
        Assert.Equal((0.4, OptimizerKind.Adam, 1e-3, 256, 3), (c.Dropout, c.Optimizer, c.LearningRate, c.BatchSize, c.Epochs));
    }

    [Fact]
    public void Accepts_long_int_and_integral_double_for_ints_and_long_for_doubles()
    {
        var c = Hyperparameters.Parse(Knobs(("conv1_filters", 32L), ("conv2_filters", 128), ("batch_size", 500.0), ("learning_rate", 1L), ("dropout", 0.25)));
        Assert.Equal(32, c.ConvLayers[0].Filters);
        Assert.Equal(128, c.ConvLayers[1].Filters);
        Assert.Equal(500, c.BatchSize);
        Assert.Equal(1.0, c.LearningRate);
        Assert.Equal(0.25, c.Dropout);
    }

    [Fact]
    public void Layer_count_follows_the_highest_layer_given_and_shorthands_fill_the_rest()
    {
        var c = Hyperparameters.Parse(Knobs(("conv3_filters", 16L), ("conv_kernel", 5L), ("conv1_kernel", 3L), ("conv2_padding", "same"), ("conv4_kernel", 2L)));
        // Depth follows the filters given: conv4_kernel alone does not add a fourth layer.
        Assert.Equal(3, c.ConvLayers.Count);
        Assert.Equal([3, 5, 5], c.ConvLayers.Select(l => l.Kernel));
        Assert.Equal([64, 256, 16], c.ConvLayers.Select(l => l.Filters));
        Assert.Equal(PaddingMode.Same, c.ConvLayers[1].Padding);

        var dense = Hyperparameters.Parse(Knobs(("dense_layers", 3L), ("dense_units", 64L), ("dense2_units", 32L)));
        Assert.Equal([64, 32, 64], dense.DenseUnits);
        // Knobs for layers beyond an explicit count are ignored, so flat search spaces stay usable.
        Assert.Single(Hyperparameters.Parse(Knobs(("conv_layers", 1L), ("conv2_filters", 8L))).ConvLayers);
    }

    [Theory]
    [InlineData("conv1_filters", "many")]
    [InlineData("conv1_filters", 0L)]
    [InlineData("conv2_kernel", 2.5)]
    [InlineData("dropout", 1.0)]
    [InlineData("learning_rate", -1.0)]
    [InlineData("activation", "swish")]
    [InlineData("optimizer", 3L)]
    [InlineData("batch_norm", 1L)]
    [InlineData("conv1_padding", "full")]
    [InlineData("momentum", 1.5)]
    [InlineData("conv9_filterz", 3L)]
    public void Bad_values_throw_naming_the_key(string key, object value)
    {
        var e = Assert.Throws<ConfigException>(() => Hyperparameters.Parse(Knobs((key, value))));
        Assert.Equal(key, e.Key);
        Assert.StartsWith(key, e.Message);
    }

    [Fact]
    public void Knob_names_are_known_by_pattern()
    {
        Assert.True(Hyperparameters.IsKnown("conv12_stride"));
        Assert.True(Hyperparameters.IsKnown("dense3_units"));
        Assert.True(Hyperparameters.IsKnown("augment_crop_padding"));
        Assert.False(Hyperparameters.IsKnown("conv0_filters"));
        Assert.False(Hyperparameters.IsKnown("conv{N}_filters"));
        Assert.False(Hyperparameters.IsKnown("units"));
        Assert.Equal("string", Hyperparameters.Knobs["init"].Kind);
        Assert.Contains("glorot_uniform", Hyperparameters.Knobs["init"].AllowedValues!);
    }

    [Fact]
    public void ToKnobs_round_trips_through_Parse()
    {
        var c = TrialConfig.Seed with
        {
            ConvLayers = [new ConvLayerConfig(8, 3, 2, PaddingMode.Same, 0), new ConvLayerConfig(16, 2)],
            DenseUnits = [32, 16],
            BatchNorm = true,
            Activation = ActivationKind.LeakyRelu,
            Init = InitKind.GlorotUniform,
            Optimizer = OptimizerKind.AdamW,
            WeightDecay = 0.01,
            AugmentFlip = true,
            AugmentCropPadding = 2,
        };
        Assert.Equal(c, Hyperparameters.Parse(c.ToKnobs()));
        Assert.Equal(c.GetHashCode(), Hyperparameters.Parse(c.ToKnobs()).GetHashCode());
    }
}
