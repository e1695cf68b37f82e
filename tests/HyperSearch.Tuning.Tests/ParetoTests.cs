using HyperSearch.Tuning.MultiObjective;

namespace HyperSearch.Tuning.Tests;

public sealed class ParetoTests
{
    // Scores, higher is better in both components.
    private static readonly double[][] Known =
    [
        [5, 1], // 0 front
        [4, 3], // 1 front
        [3, 3], // 2 dominated by 1
        [2, 5], // 3 front
        [1, 1], // 4 dominated by 6, which 2 dominates: rank 3
        [4, 3], // 5 equal to 1: neither dominates, front
        [2, 2], // 6 dominated by 2, rank 2
    ];

    [Fact]
    public void Front_and_ranks_of_a_known_set()
    {
        Assert.Equal([0, 1, 3, 5], Pareto.Front(Known));
        Assert.Equal([0, 0, 1, 0, 3, 0, 2], Pareto.Ranks(Known));
    }

    [Fact]
    public void Dominance_needs_one_strictly_better_component()
    {
        Assert.True(Pareto.Dominates([2, 2], [2, 1]));
        Assert.False(Pareto.Dominates([2, 2], [2, 2]));
        Assert.False(Pareto.Dominates([3, 1], [1, 3]));
        Assert.False(Pareto.Dominates([2, double.NegativeInfinity], [1, 0]));
    }

    [Fact]
    public void Crowding_gives_extremes_infinity_and_inner_points_their_normalized_gaps()
    {
        var distance = Pareto.Crowding([[1.0, 3.0], [2.0, 2.0], [3.0, 1.0], [2.5, 1.5]]);
        Assert.True(double.IsPositiveInfinity(distance[0]));
        Assert.True(double.IsPositiveInfinity(distance[2]));
        Assert.Equal((2.5 - 1.0) / 2 + (3.0 - 1.5) / 2, distance[1], 12);
        Assert.Equal((3.0 - 2.0) / 2 + (2.0 - 1.0) / 2, distance[3], 12);
    }

    [Fact]
    public void Order_puts_the_front_first_and_spreads_it_by_crowding()
    {
        var order = Pareto.Order([[1.0, 1.0], [1.0, 3.0], [2.0, 2.0], [3.0, 1.0], [2.5, 1.5]]);
        Assert.Equal([1, 3, 2, 4, 0], order);
    }

    [Fact]
    public void Hypervolume_of_a_two_dimensional_staircase()
    {
        double[][] points = [[1, 3], [2, 2], [3, 1]];
        Assert.Equal(6.0, Hypervolume.Compute(points, [0, 0]), 12);
        Assert.Equal(6.0, Hypervolume.Compute([.. points, [1.5, 1.5], [-1, 9]], [0, 0]), 12); // dominated and outside points add nothing
        Assert.Equal(1.0, Hypervolume.Compute(points, [1, 1]), 12);
        Assert.Equal([1.0, 1.0, 1.0], Hypervolume.Contributions(points, [0, 0]));
    }

    [Fact]
    public void Hypervolume_in_three_dimensions_by_inclusion_exclusion()
    {
        Assert.Equal(24.0, Hypervolume.Compute([[2.0, 3.0, 4.0]], [0, 0, 0]), 12);
        // 2 + 4 - overlap 1
        Assert.Equal(5.0, Hypervolume.Compute([[1.0, 1.0, 2.0], [2.0, 2.0, 1.0]], [0, 0, 0]), 12);
        // Boxes [0,2]x[0,1]x[0,1], [0,1]x[0,2]x[0,1], [0,1]x[0,1]x[0,2]: 3 x 2 - 3 x 1 + 1
        Assert.Equal(4.0, Hypervolume.Compute([[2.0, 1.0, 1.0], [1.0, 2.0, 1.0], [1.0, 1.0, 2.0]], [0, 0, 0]), 12);
    }

    [Fact]
    public void Three_dimensional_hypervolume_of_a_flat_set_is_its_two_dimensional_one()
    {
        double[][] flat = [[1, 3, 1], [2, 2, 1], [3, 1, 1], [1.5, 2.5, 1]];
        Assert.Equal(Hypervolume.Compute(flat.Select(p => p[..2]).ToArray(), [0, 0]), Hypervolume.Compute(flat, [0, 0, 0]), 12);
    }
}
