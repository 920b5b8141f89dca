using CausalPreference.Pipeline;

namespace CausalPreference.Refuters;

/// <summary>Placebo check: trained on shuffled outcomes, the estimated lift over FT on held-out (shuffled) rows must have a CI covering 0.</summary>
/// <param name="TrainRows">Rows the placebo model was trained on.</param>
/// <param name="TestRows">Held-out rows the lift was estimated on.</param>
/// <param name="ShuffledWithin">How the outcomes were permuted (over all rows, or within each experiment).</param>
/// <param name="Lift">The estimated lift of the placebo model over FT.</param>
/// <param name="EffectiveRows">The smaller effective sample size of the two models' importance weights (null for DM).</param>
/// <param name="Verdict">PASS (CI covers 0), FAIL (it does not) or INCONCLUSIVE (fewer than <see cref="Refutation.MinEffectiveRows"/>
/// effective rows: the estimator cannot see a lift, so covering 0 proves nothing).</param>
public sealed record PlaceboResult(int TrainRows, int TestRows, string ShuffledWithin, LiftRow Lift, double? EffectiveRows, string Verdict)
{
    /// <summary>True only for PASS.</summary>
    public bool Passed => Verdict == "PASS";
}
