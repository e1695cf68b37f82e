using HyperSearch.Tuning.Space;
using static HyperSearch.Tuning.Tests.Studies;

namespace HyperSearch.Tuning.Tests;

/// <summary>Warm start imports a finished trial only when its configuration fits the new space exactly.</summary>
public sealed class WarmStartCompatibilityTests
{
    private static readonly SearchSpace NewSpace = SpaceOf(
        ("lr", new LogUniform(1e-4, 1e-2)),
        ("filters", new Choice([16L, 32L])),
        ("layers", new IntRange(1, 3)),
        ("dropout", new Uniform(0.0, 0.5)));

    private static Dictionary<string, object> Config(double lr = 1e-3, long filters = 16, object? layers = null, object? dropout = null) => new()
    {
        ["lr"] = lr,
        ["filters"] = filters,
        ["layers"] = layers ?? 2L,
        ["dropout"] = dropout ?? 0.25,
    };

    [Fact]
    public void A_configuration_inside_every_new_domain_is_imported_in_the_spaces_types()
    {
        // As read back from JSON: whole numbers may arrive as either kind of number.
        var imported = NewSpace.Conform(new Dictionary<string, object> { ["lr"] = 1e-3, ["filters"] = 32.0, ["layers"] = 3.0, ["dropout"] = 0L });
        Assert.NotNull(imported);
        Assert.Equal(0.0, imported["dropout"]);
        Assert.Equal(3L, imported["layers"]);
        Assert.Equal(32L, imported["filters"]);
    }

    [Fact]
    public void Only_compatible_trials_are_imported()
    {
        Dictionary<string, object>[] finished =
        [
            Config(),                                   // fits
            Config(lr: 0.05),                           // learning rate outside the new range
            Config(filters: 64),                        // a choice the new space no longer has
            Config(layers: 4L),                         // outside the integer range
            Config(layers: 2.5),                        // not an integer
            new(Config()) { ["momentum"] = 0.9 },       // a parameter the new space lacks
            Config().Where(p => p.Key != "dropout").ToDictionary(), // one the new space adds
            Config(filters: 32, dropout: 0.49),         // fits
        ];
        var imported = finished.Select((c, i) => (i, NewSpace.Conform(c))).Where(x => x.Item2 is not null).Select(x => x.i);
        Assert.Equal([0, 7], imported);
    }
}
