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
/// <param name="ContrastingExperiments">Grouped data: held-out experiments with two or more rows (what WITHIN rests on); 0 otherwise.</param>
public sealed record PolicyEvaluationResult(
    string DataPath, int Rows, string Outcome, string OutcomeKind, bool HigherIsBetter,
    string LoggingSource, string? OutcomeModelSource, double? OutcomeModelR2, double? OutcomeModelAuc,
    int PolicySamples, long Seed, EstimateOptions Options, string Baseline,
    IReadOnlyList<ModelEvaluation> Models, IReadOnlyList<string> Warnings, int ContrastingExperiments = 0)
{
    /// <summary>A number format for this evaluation's values: the largest finite estimate sets the scale.</summary>
    public Reporting.NumberFormat Format => new(Models.SelectMany(m => m.Estimates).Select(e => Math.Abs(e.Value?.Estimate ?? double.NaN))
        .Where(double.IsFinite).DefaultIfEmpty(0).Max()); // the largest, not the first: IPW can be scaled down to almost 0

    /// <summary>One verdict per model against the baseline, from the estimate its diagnostics support (<see cref="Reporting.Verdicts"/>).</summary>
    public IReadOnlyList<Reporting.Verdict> Verdicts => Models.Where(m => m.DifferenceToBaseline != null).Select(m => Reporting.Verdicts.For(m.Name, Baseline,
        m.DifferenceToBaseline!.Where(d => d.Value != null).Select(d => new Reporting.LiftEvidence(d.Estimator, d.Value!.Estimate, d.Value.CiLow, d.Value.CiHigh,
            d.Estimator is "IPW" or "SNIPW" or "DR" or "SNDR" ? Math.Min(m.Weights.Ess, Models.First(b => b.Name == Baseline).Weights.Ess) : null,
            d.Estimator == "WITHIN" ? ContrastingExperiments : null)),
        HigherIsBetter, OutcomeModelR2, OutcomeModelAuc)).ToList();
}
