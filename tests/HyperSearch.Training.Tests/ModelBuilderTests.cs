using TorchSharp;
using static TorchSharp.torch;

namespace HyperSearch.Training.Tests;

[Collection(MachineCollection.Name)]
public sealed class ModelBuilderTests
{
    private static readonly DatasetInfo Fashion = new(1, 28, 28, 10, 60000, 10000);

    [Fact]
    public void Seed_model_has_the_expected_parameter_count()
    {
        // conv1 64·1·3·3+64, conv2 256·64·2·2+256, dense 9216·1024+1024 (28→26→13→12→6, 256·6·6), output 1024·10+10.
        Assert.Equal(640 + 65_792 + 9_438_208 + 10_250, ModelBuilder.CountParameters(TrialConfig.Seed, Fashion));
    }

    [Fact]
    public void Seed_model_training_step_is_about_115_6_mflop_per_image()
    {
        // Forward: conv1 2·9·64·26², conv2 2·4·64·256·12², dense 2·9216·1024, output 2·1024·10; a step is three forwards.
        long forward = 2L * 9 * 64 * 26 * 26 + 2L * 4 * 64 * 256 * 12 * 12 + 2L * 9216 * 1024 + 2L * 1024 * 10;
        Assert.Equal(3 * forward, ModelBuilder.TrainingFlopsPerImage(TrialConfig.Seed, Fashion));
        Assert.Equal(115.6, ModelBuilder.TrainingFlopsPerImage(TrialConfig.Seed, Fashion) / 1e6, 1);
    }

    [Fact]
    public void A_feature_map_that_shrinks_to_nothing_is_rejected_naming_the_layer()
    {
        var c = TrialConfig.Seed with { ConvLayers = [new(8, 3), new(8, 3), new(8, 3)] };
        // 8×8 → conv 6 → pool 3 → conv 1 → pool: 0 — the pool of conv2 is the culprit.
        var e = Assert.Throws<ConfigException>(() => ModelBuilder.Validate(c, new DatasetInfo(1, 8, 8, 10, 1, 1)));
        Assert.Equal("conv2_pool", e.Key);
        Assert.StartsWith("conv2: feature map shrinks to 0×0 after max-pool 2", e.Message);

        var noPool = TrialConfig.Seed with { ConvLayers = [new(8, 3, Pool: 0), new(8, 3, Pool: 0), new(8, 3, Pool: 0)] };
        e = Assert.Throws<ConfigException>(() => ModelBuilder.Validate(noPool, new DatasetInfo(1, 6, 6, 10, 1, 1)));
        Assert.Equal("conv3_kernel", e.Key);
        Assert.Equal("conv3: feature map shrinks to 0×0 (input 2×2, kernel 3, stride 1, padding valid)", e.Message);
    }

    [Fact]
    public void Same_padding_keeps_ceil_of_input_over_stride()
    {
        var c = TrialConfig.Seed with { ConvLayers = [new(4, 3, 2, PaddingMode.Same, 0), new(4, 2, 1, PaddingMode.Same, 2)], DenseUnits = [] };
        var plan = ModelBuilder.Plan(c, new DatasetInfo(1, 7, 7, 3, 1, 1));
        Assert.Equal((4, 4), (plan.Convs[0].OutH, plan.Convs[0].OutW));
        Assert.Equal(((1, 1), (1, 1)), (plan.Convs[0].PadH, plan.Convs[0].PadW));
        // Even kernel, stride 1: TensorFlow puts the odd pixel after.
        Assert.Equal((0, 1), plan.Convs[1].PadH);
        Assert.Equal(4 * 2 * 2, plan.Features);
    }

    public static TheoryData<TrialConfig, int, int> Configs() => new()
    {
        { TrialConfig.Seed, 1, 28 },
        { TrialConfig.Seed with { ConvLayers = [new(6, 3, 2, PaddingMode.Same, 0), new(5, 2, 1, PaddingMode.Same, 2)], BatchNorm = true, Activation = ActivationKind.Gelu }, 3, 13 },
        { TrialConfig.Seed with { ConvLayers = [new(4, 5, Pool: 3)], DenseUnits = [], Activation = ActivationKind.Tanh }, 3, 32 },
        { TrialConfig.Seed with { ConvLayers = [new(4, 3), new(4, 3, Pool: 0), new(8, 2, Pool: 1)], DenseUnits = [16, 8], Activation = ActivationKind.Elu, Init = InitKind.GlorotNormal }, 1, 20 },
    };

    [Theory]
    [MemberData(nameof(Configs))]
    public void Built_model_matches_the_plan_in_output_shape_and_parameter_count(TrialConfig config, int channels, int side)
    {
        var info = new DatasetInfo(channels, side, side, 7, 1, 1);
        using var session = new TrainingSession(config, info, seed: 3, CPU, bf16: false);
        Assert.Equal(ModelBuilder.CountParameters(config, info), session.Model.parameters().Sum(p => p.numel()));
        using var scope = NewDisposeScope();
        session.Model.eval();
        var logits = session.Model.forward(randn(5, channels, side, side));
        Assert.Equal([5L, 7L], logits.shape);
    }

    [Fact]
    public void Initialisation_follows_keras_semantics()
    {
        using var generator = new Generator(7, CPU);
        using var he = empty(512, 256);
        CnnModel.InitWeight(he, InitKind.HeNormal, fanIn: 256, fanOut: 512, generator);
        double sigma = Math.Sqrt(2.0 / 256);
        Assert.Equal(sigma, he.std().item<float>(), sigma * 0.02);
        // Truncated at two standard deviations of the underlying normal (σ / 0.8796).
        Assert.True(he.abs().max().item<float>() <= 2 * sigma / 0.87962566103423978 + 1e-6);

        using var glorot = empty(300, 200);
        CnnModel.InitWeight(glorot, InitKind.GlorotUniform, fanIn: 200, fanOut: 300, generator);
        double limit = Math.Sqrt(6.0 / 500);
        Assert.True(glorot.abs().max().item<float>() <= limit);
        Assert.Equal(limit / Math.Sqrt(3), glorot.std().item<float>(), limit * 0.02);

        using var session = new TrainingSession(TrialConfig.Seed, Fashion, seed: 1, CPU, bf16: false);
        Assert.All(session.Model.named_parameters().Where(p => p.name.EndsWith("bias")), p => Assert.Equal(0, p.parameter.abs().sum().item<float>()));
    }
}
