using CausalPreference.Causal;

namespace CausalPreference.Evaluation;

/// <summary>The result of <see cref="PolicyEvaluation.Run"/> (written to evaluation.json and evaluation.md).</summary>
/// <param name="DataPath">The held-out file.</param>
/// <param name="Rows">Number of held-out rows n.</param>
/// <param name="Outcome">The outcome's name (column, or clicks/impressions).</param>
/// <param name="OutcomeKind">continuous, binary or binomial.</param>
/// <param name="HigherIsBetter">The outcome's direction; every value is on the outcome's raw scale, not oriented.</param>
/// <param name="LoggingSource">Where log P^R(X_i) came from.</param>
/// <param name="OutcomeModelSource">Where ĝ came from; null when no policy samples were drawn.</param>
/// <param name="OutcomeModelR2">Out-of-fold R² of the cross-fitted ĝ (continuous outcomes).</param>
/// <param name="OutcomeModelAuc">Out-of-fold AUC of the cross-fitted ĝ (0/1 outcomes).</param>
/// <param name="PolicySamples">Texts drawn from each model, m.</param>
/// <param name="Seed">Seed of the policy samples.</param>
/// <param name="Options">Interval method, clipping, overlap threshold.</param>
/// <param name="Baseline">The baseline model's name.</param>
/// <param name="Models">One entry per model, in the order given.</param>
/// <param name="Warnings">Every warning, once, prefixed by the model it concerns.</param>
public sealed record PolicyEvaluationResult(
    string DataPath, int Rows, string Outcome, string OutcomeKind, bool HigherIsBetter,
    string LoggingSource, string? OutcomeModelSource, double? OutcomeModelR2, double? OutcomeModelAuc,
    int PolicySamples, long Seed, EstimateOptions Options, string Baseline,
    IReadOnlyList<ModelEvaluation> Models, IReadOnlyList<string> Warnings);

/// <summary>One model's evaluation.</summary>
/// <param name="Name">Display name.</param>
/// <param name="Path">The model folder.</param>
/// <param name="Weights">Diagnostics of the importance ratios P^f(X_i)/P^R(X_i) on the held-out rows, before any clipping.</param>
/// <param name="SupportMass">Mean importance weight Σ c·w / Σ c with its 95% CI: the share of the model's probability on texts
/// the logging distribution can produce (≤ 1 up to noise; well below 1 means IPW is scaled down, above 1 means inconsistent densities).</param>
/// <param name="TruncatedRows">Held-out rows longer than the model's context: their score is that of a prefix.</param>
/// <param name="NonCanonicalSamples">Policy samples whose text does not re-encode to the sampled tokens.</param>
/// <param name="ScoresCached">Whether log P^f(X_i) came from the cache.</param>
/// <param name="SamplesCached">Whether the policy samples came from the cache.</param>
/// <param name="Estimates">IPW, SNIPW, DM, DR, SNDR, in that order.</param>
/// <param name="DifferenceToBaseline">V(model) − V(baseline) per estimator (paired on the same rows); null for the baseline itself.</param>
public sealed record ModelEvaluation(
    string Name, string Path, WeightDiagnostics Weights, ValueEstimate SupportMass, int TruncatedRows, int NonCanonicalSamples, bool ScoresCached, bool SamplesCached,
    IReadOnlyList<EstimatorResult> Estimates, IReadOnlyList<EstimatorResult>? DifferenceToBaseline);

/// <summary>One estimator's result, or why there is none.</summary>
/// <param name="Estimator">IPW, SNIPW, DM, DR or SNDR.</param>
/// <param name="Value">The estimate with its interval and diagnostics; null when not available.</param>
/// <param name="Unavailable">Why there is no estimate (e.g. no policy samples were drawn); null when there is one.</param>
public sealed record EstimatorResult(string Estimator, ValueEstimate? Value, string? Unavailable)
{
    /// <summary>True when the 95% interval lies entirely on one side of 0 (meaningful for differences).</summary>
    public bool ExcludesZero => Value is { } v && double.IsFinite(v.CiLow) && double.IsFinite(v.CiHigh) && (v.CiLow > 0 || v.CiHigh < 0);
}
