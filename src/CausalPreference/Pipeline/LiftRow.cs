using CausalPreference.Causal;

namespace CausalPreference.Pipeline;

/// <summary>A paired difference V(model) − V(baseline) on the same held-out rows (<see cref="Estimators.Difference"/>).</summary>
/// <param name="Model">The model whose value is compared.</param>
/// <param name="Baseline">The model it is compared with (usually FT).</param>
/// <param name="Estimator">The off-policy estimator that produced both values (IPW, SNIPW, DM, DR, SNDR or WITHIN).</param>
/// <param name="Difference">V̂(model) − V̂(baseline), paired over the same rows.</param>
/// <param name="StdError">Standard error of the paired difference.</param>
/// <param name="CiLow">Lower end of its 95% interval.</param>
/// <param name="CiHigh">Upper end of its 95% interval.</param>
/// <param name="EffectiveRows">Importance-weighted estimators: the Kish ESS of the model's weights on the held-out rows.</param>
/// <param name="Experiments">WITHIN: held-out experiments with two or more rows.</param>
public sealed record LiftRow(string Model, string Baseline, string Estimator, double Difference, double StdError, double CiLow, double CiHigh,
    double? EffectiveRows = null, int? Experiments = null)
{
    /// <summary>True when the 95% interval contains 0.</summary>
    public bool CoversZero => CiLow <= 0 && CiHigh >= 0;

    /// <summary>The row of a difference estimate <paramref name="d"/> = V(model) − V(baseline).</summary>
    public static LiftRow Of(string model, string baseline, string estimator, ValueEstimate d, double? effectiveRows = null, int? experiments = null) =>
        new(model, baseline, estimator, d.Estimate, d.StdError, d.CiLow, d.CiHigh, effectiveRows, experiments);
}
