using CausalPreference.Causal;

namespace CausalPreference.Pipeline;

/// <summary>A paired difference V(model) − V(baseline) on the same held-out rows (<see cref="Estimators.Difference"/>).</summary>
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
