using CausalPreference.Causal;

namespace CausalPreference.Evaluation.OffPolicy;

/// <summary>One estimator's result, or why there is none.</summary>
/// <param name="Estimator">IPW, SNIPW, DM, DR or SNDR.</param>
/// <param name="Value">The estimate with its interval and diagnostics; null when not available.</param>
/// <param name="Unavailable">Why there is no estimate (e.g. no policy samples were drawn); null when there is one.</param>
public sealed record EstimatorResult(string Estimator, ValueEstimate? Value, string? Unavailable)
{
    /// <summary>True when the 95% interval lies entirely on one side of 0 (meaningful for differences).</summary>
    public bool ExcludesZero => Value is { } v && double.IsFinite(v.CiLow) && double.IsFinite(v.CiHigh) && (v.CiLow > 0 || v.CiHigh < 0);
}
