using CausalPreference.Causal;
using CausalPreference.Evaluation.OffPolicy;

namespace CausalPreference.Pipeline;

/// <summary>One model's off-policy value estimate on the held-out rows (raw outcome scale).</summary>
public sealed record ValueRow(string Model, string Estimator, double Estimate, double StdError, double CiLow, double CiHigh, double? EssFraction, int Clipped, string[] Warnings)
{
    /// <summary>The row of <paramref name="estimator"/>'s estimate <paramref name="v"/> of <paramref name="model"/>'s value; the ESS fraction
    /// only where the estimator uses importance weights.</summary>
    public static ValueRow Of(string model, HeldoutEstimator estimator, ValueEstimate v) =>
        new(model, estimator.Name, v.Estimate, v.StdError, v.CiLow, v.CiHigh, estimator.UsesImportanceWeights ? v.Diagnostics?.EssFraction : null, v.Clipped, v.Warnings.ToArray());
}
