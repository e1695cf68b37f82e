using static TorchSharp.torch;

namespace HyperSearch.Training.Tests;

/// <summary>Global average pooling, learning-rate schedules, epoch fractions and the precision knob: parsing, shapes, refusals.</summary>
[Collection(MachineCollection.Name)]
public sealed class TimeToAccuracyKnobsTests
{
    private static readonly DatasetInfo Fashion = new(1, 28, 28, 10, 60000, 10000);

    private static readonly TrialConfig ThreeBlocks = TrialConfig.Seed with
    {
        ConvLayers = [new(32, 3, 1, PaddingMode.Same, 2), new(64, 3, 1, PaddingMode.Same, 2), new(128, 3, 1, PaddingMode.Same, 0)],
        DenseUnits = [],
        BatchNorm = true,
        GlobalPool = true,
    };

    [Fact]
    public void Knobs_parse_into_the_configuration_and_round_trip()
    {
        var c = Hyperparameters.Parse(new Dictionary<string, object>
        {
            ["global_pool"] = true,
            ["lr_schedule"] = "one_cycle",
            ["epoch_fraction"] = 0.25,
            ["precision"] = "bf16",
        });
        Assert.Equal((true, LrSchedule.OneCycle, 0.25, true), (c.GlobalPool, c.LrSchedule, c.EpochFraction, c.Bf16));
        Assert.Equal(c, Hyperparameters.Parse(c.ToKnobs()));
        var defaults = Hyperparameters.Parse(new Dictionary<string, object>());
        Assert.Equal((false, LrSchedule.Constant, 1.0, false), (defaults.GlobalPool, defaults.LrSchedule, defaults.EpochFraction, defaults.Bf16));
        Assert.Equal(4, Hyperparameters.ChunksPerPass(0.25));
        Assert.Equal(10, Hyperparameters.ChunksPerPass(0.1));
    }

    [Theory]
    [InlineData("lr_schedule", "linear", "lr_schedule: 'linear'; expected one of constant, cosine, one_cycle")]
    [InlineData("precision", "fp16", "precision: 'fp16'; expected one of fp32, bf16")]
    [InlineData("epoch_fraction", 0.3, "epoch_fraction: 0.3; expected 1/K for a whole K ≥ 1")]
    [InlineData("epoch_fraction", 1.5, "epoch_fraction: 1.5; expected 1/K")]
    [InlineData("epoch_fraction", 0.0, "epoch_fraction: 0; expected 1/K")]
    [InlineData("global_pool", "yes", "global_pool: 'yes'; expected true or false")]
    public void Bad_values_are_refused_naming_the_knob(string key, object value, string message)
    {
        var e = Assert.Throws<ConfigException>(() => Hyperparameters.Parse(new Dictionary<string, object> { [key] = value }));
        Assert.Equal(key, e.Key);
        Assert.StartsWith(message, e.Message);
    }

    [Fact]
    public void Global_pooling_feeds_one_value_per_channel_to_the_dense_layers()
    {
        // 28 → 14 → 7 (same padding, pools of 2), then 128 channels averaged over 7×7.
        var plan = ModelBuilder.Plan(ThreeBlocks, Fashion);
        Assert.Equal(128, plan.Features);
        Assert.Equal(new DensePlan(128, 10), plan.Output);
        long convs = (9 * 1 * 32 + 64) + (9 * 32 * 64 + 128) + (9 * 64 * 128 + 256);
        Assert.Equal(convs + 128 * 10 + 10, ModelBuilder.CountParameters(ThreeBlocks, Fashion));
        Assert.Equal(convs + 128L * 7 * 7 * 10 + 10, ModelBuilder.CountParameters(ThreeBlocks with { GlobalPool = false }, Fashion));

        var info = Fashion with { Channels = 3, Height = 20, Width = 20 };
        var c = ThreeBlocks with { DenseUnits = [16] };
        using var session = new TrainingSession(c, info, seed: 2, CPU, bf16: false);
        Assert.Equal(ModelBuilder.CountParameters(c, info), session.Model.parameters().Sum(p => p.numel()));
        using var scope = NewDisposeScope();
        session.Model.eval();
        Assert.Equal([4L, 10L], session.Model.forward(randn(4, 3, 20, 20)).shape);
    }

    [Fact]
    public void Global_pooling_does_not_rescue_a_feature_map_that_shrinks_to_nothing()
    {
        // Strided blocks: 28 → 14 → 7 → 4 → 2 → 1 with same padding and stride 2; a sixth 3×3 valid block has no room.
        var strided = Enumerable.Range(0, 5).Select(_ => new ConvLayerConfig(16, 3, 2, PaddingMode.Same, 0)).ToList();
        ModelBuilder.Validate(ThreeBlocks with { ConvLayers = strided }, Fashion);
        var e = Assert.Throws<ConfigException>(() => ModelBuilder.Validate(ThreeBlocks with { ConvLayers = [.. strided, new(16, 3, 1, PaddingMode.Valid, 0)] }, Fashion));
        Assert.Equal("conv6_kernel", e.Key);
        Assert.Equal("conv6: feature map shrinks to 0×0 (input 1×1, kernel 3, stride 1, padding valid)", e.Message);
        e = Assert.Throws<ConfigException>(() => ModelBuilder.Validate(ThreeBlocks with { ConvLayers = [new(16, 3, 4, PaddingMode.Valid, 8)] }, Fashion));
        Assert.Equal("conv1_pool", e.Key);
        Assert.StartsWith("conv1: feature map shrinks to 0×0 after max-pool 8 (input 7×7", e.Message);
    }

    [Fact]
    public void An_epoch_fraction_that_is_not_one_over_a_whole_number_is_refused_by_validation_too()
    {
        var e = Assert.Throws<ConfigException>(() => ModelBuilder.Validate(ThreeBlocks with { EpochFraction = 0.4 }, Fashion));
        Assert.Equal("epoch_fraction", e.Key);
    }

    [Fact]
    public void Schedules_start_peak_and_end_where_documented()
    {
        const long total = 1001;
        Assert.All(new long[] { 0, 500, 1000 }, s => Assert.Equal(1, LearningRateSchedule.Factor(LrSchedule.Constant, s, total)));

        Assert.Equal(1, LearningRateSchedule.Factor(LrSchedule.Cosine, 0, total), 12);
        Assert.Equal(0.5, LearningRateSchedule.Factor(LrSchedule.Cosine, 500, total), 12);
        Assert.Equal(0, LearningRateSchedule.Factor(LrSchedule.Cosine, 1000, total), 12);
        Assert.Equal(0, LearningRateSchedule.Factor(LrSchedule.Cosine, 5000, total), 12); // past the plan: stays at the end

        Assert.Equal(1.0 / 25, LearningRateSchedule.Factor(LrSchedule.OneCycle, 0, total), 12);
        Assert.Equal(1, LearningRateSchedule.Factor(LrSchedule.OneCycle, 300, total), 12);
        Assert.Equal(1.0 / 25 / 1e4, LearningRateSchedule.Factor(LrSchedule.OneCycle, 1000, total), 12);
        var oneCycle = Enumerable.Range(0, (int)total).Select(s => LearningRateSchedule.Factor(LrSchedule.OneCycle, s, total)).ToArray();
        Assert.Equal(300, Array.IndexOf(oneCycle, oneCycle.Max()));
        Assert.True(oneCycle.Take(301).Zip(oneCycle.Skip(1).Take(300)).All(p => p.First < p.Second), "warm-up rises");
        Assert.True(oneCycle.Skip(300).Zip(oneCycle.Skip(301)).All(p => p.First > p.Second), "annealing falls");
    }
}
