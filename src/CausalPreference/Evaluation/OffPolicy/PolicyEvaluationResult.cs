using CausalPreference.Causal;

namespace CausalPreference.Evaluation.OffPolicy;

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
