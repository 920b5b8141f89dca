using CausalPreference.Pipeline;

namespace CausalPreference.Refuters;

/// <summary>Subset stability: the same objective trained on two disjoint halves; their values on the same held-out rows.</summary>
/// <param name="Verdict">STABLE (the CI of V(A) − V(B) covers 0), UNSTABLE, or INCONCLUSIVE (degenerate weights, as for the placebo).</param>
public sealed record StabilityResult(int RowsA, int RowsB, int TestRows, ValueRow Ft, ValueRow HalfA, ValueRow HalfB, LiftRow AMinusB, LiftRow LiftA, LiftRow LiftB,
    double? EffectiveRows, string Verdict)
{
    /// <summary>True only for STABLE.</summary>
    public bool Stable => Verdict == "STABLE";
}
