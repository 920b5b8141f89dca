using CausalPreference.Causal;

namespace CausalPreference.Evaluation.OffPolicy;

/// <summary>A built-in off-policy estimator (<see cref="ValueEstimator"/>) on the evaluator's <see cref="LoggedSample"/> of each model;
/// its needs are the ones the estimator itself declares.</summary>
sealed class OffPolicyEstimator(ValueEstimator estimator) : HeldoutEstimator
{
    public ValueEstimator Estimator { get; } = estimator;

    public override string Name => Estimator.Name;

    public override EstimatorNeeds Needs =>
        (Estimator.UsesWeights ? EstimatorNeeds.ImportanceWeights : 0)
        | (Estimator.NeedsOutcomeHat ? EstimatorNeeds.OutcomeHatOnRows : 0)
        | (Estimator.NeedsPolicySamples ? EstimatorNeeds.PolicySamples : 0);

    internal override ValueEstimate Value(HeldoutEvaluator evaluator, string model) =>
        Estimator.Estimate(evaluator.Sample(model), evaluator.Options);

    internal override ValueEstimate Difference(HeldoutEvaluator evaluator, string a, string b) =>
        Estimators.Difference(Estimator, evaluator.Sample(a), evaluator.Sample(b), evaluator.Options);

    internal override double? EffectiveRows(HeldoutEvaluator evaluator, string a, string b) =>
        !UsesImportanceWeights ? null
            : Math.Min(Value(evaluator, a).Diagnostics?.Ess ?? double.NaN, Value(evaluator, b).Diagnostics?.Ess ?? double.NaN);
}
