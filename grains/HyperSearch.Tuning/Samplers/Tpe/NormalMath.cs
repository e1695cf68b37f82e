namespace HyperSearch.Tuning.Samplers.Tpe;

/// <summary>Standard normal helpers (.NET has no erf), accurate enough for density ratios.</summary>
internal static class NormalMath
{
    private const double InvSqrt2 = 0.70710678118654752440;
    private const double HalfLog2Pi = 0.91893853320467274178;

    /// <summary>log φ(z), the standard normal log density.</summary>
    public static double LogPdf(double z) => -0.5 * z * z - HalfLog2Pi;

    /// <summary>Complementary error function; Chebyshev-style fit with fractional error below 1.2e-7 everywhere,
    /// including far tails (which matter here because densities are compared as logs).</summary>
    public static double Erfc(double x)
    {
        var z = Math.Abs(x);
        var t = 1.0 / (1.0 + 0.5 * z);
        var poly = -1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806
            + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277))))))));
        var r = t * Math.Exp(-z * z + poly);
        return x >= 0 ? r : 2.0 - r;
    }

    /// <summary>P(Z &gt; z).</summary>
    public static double UpperTail(double z) => 0.5 * Erfc(z * InvSqrt2);

    /// <summary>log P(a &lt; Z &lt; b) for a &lt; b, without cancellation in the tails.</summary>
    public static double LogMass(double a, double b)
    {
        if (!(b > a))
        {
            return double.NegativeInfinity;
        }

        // Work in the tail where the difference of two small numbers keeps its precision.
        double larger, smaller;
        if (a >= 0)
        {
            (larger, smaller) = (UpperTail(a), UpperTail(b));
        }
        else if (b <= 0)
        {
            (larger, smaller) = (UpperTail(-b), UpperTail(-a));
        }
        else
        {
            return Math.Log(Math.Max(1.0 - UpperTail(b) - UpperTail(-a), double.Epsilon));
        }

        var mass = larger - smaller;
        if (mass > 1e-4 * larger)
        {
            return Math.Log(mass);
        }

        // A narrow interval (or an underflowed tail): the midpoint rule is accurate exactly there.
        return LogPdf(0.5 * (a + b)) + Math.Log(b - a);
    }
}
