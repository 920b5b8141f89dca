using CausalPreference.Pipeline;

namespace CausalPreference.Refuters;

/// <summary>Subset stability: the same objective trained on two disjoint halves; their values on the same held-out rows.</summary>
/// <param name="RowsA">Training rows of half A.</param>
/// <param name="RowsB">Training rows of half B.</param>
/// <param name="TestRows">Held-out rows all values are estimated on.</param>
/// <param name="Ft">FT's value on those rows.</param>
/// <param name="HalfA">The value of the model trained on half A.</param>
/// <param name="HalfB">The value of the model trained on half B.</param>
/// <param name="AMinusB">The paired difference V(A) − V(B).</param>
/// <param name="LiftA">Half A's lift over FT.</param>
/// <param name="LiftB">Half B's lift over FT.</param>
/// <param name="EffectiveRows">The smallest effective sample size of the models' importance weights (null for DM).</param>
/// <param name="Verdict">STABLE (the CI of V(A) − V(B) covers 0), UNSTABLE, or INCONCLUSIVE (degenerate weights, as for the placebo).</param>
public sealed record StabilityResult(int RowsA, int RowsB, int TestRows, ValueRow Ft, ValueRow HalfA, ValueRow HalfB, LiftRow AMinusB, LiftRow LiftA, LiftRow LiftB,
    double? EffectiveRows, string Verdict)
{
    /// <summary>True only for STABLE.</summary>
    public bool Stable => Verdict == "STABLE";
}
