using System.Text.Json.Nodes;
using HyperSearch.Tuning;
using HyperSearch.Tuning.Samplers;

namespace HyperSearch.Bench.MultiObjective;

/// <summary>Fixed points, epochs and noise keys evaluated on both sides: the problems must agree to rounding.</summary>
internal static class MoChecks
{
    private const int PointsPerProblem = 3;

    public static List<(JsonObject Request, double[] Value)> Build(IBiObjective[] objectives, int maxEpochs)
    {
        var checks = new List<(JsonObject, double[])>();
        foreach (var objective in objectives)
        {
            for (var i = 0; i < PointsPerProblem; i++)
            {
                var x = new RandomSampler().Suggest(new StudyView(objective.Space, [], Direction.Minimize, 12345, maxEpochs), i)!;
                foreach (var epoch in new[] { 1, maxEpochs })
                {
                    var parameters = new JsonObject();
                    foreach (var (name, value) in x.Values)
                    {
                        parameters[name] = value switch
                        {
                            long l => JsonValue.Create(l),
                            double v => JsonValue.Create(v),
                            _ => JsonValue.Create((string)value),
                        };
                    }

                    checks.Add((new JsonObject
                    {
                        ["objective"] = objective.Name,
                        ["params"] = parameters,
                        ["epoch"] = epoch,
                        ["seed"] = 7 + i,
                        ["trial"] = 3 * i + 1,
                    }, objective.Value(x, epoch, maxEpochs, 7 + i, 3 * i + 1)));
                }
            }
        }

        return checks;
    }

    /// <summary>The largest relative difference between our values and the peer's.</summary>
    public static double MaxDifference(List<(JsonObject Request, double[] Value)> checks, JsonArray theirs)
    {
        if (theirs.Count != checks.Count)
        {
            return double.PositiveInfinity;
        }

        var worst = 0.0;
        for (var i = 0; i < checks.Count; i++)
        {
            var other = theirs[i]!.AsArray().Select(v => v!.GetValue<double>()).ToArray();
            for (var k = 0; k < checks[i].Value.Length; k++)
            {
                var ours = checks[i].Value[k];
                worst = Math.Max(worst, k < other.Length ? Math.Abs(ours - other[k]) / (1.0 + Math.Abs(ours)) : double.PositiveInfinity);
            }
        }

        return worst;
    }
}
