using CausalPreference.Causal;

namespace CausalPreference.Evaluation.OffPolicy;

/// <summary>WITHIN: a model's value within the held-out experiments, as a tilt from the evaluator's base model
/// (<see cref="WithinExperimentValue"/>); differences are paired over experiments.</summary>
sealed class WithinExperimentEstimator : HeldoutEstimator
{
    public override string Name => "WITHIN";

    public override EstimatorNeeds Needs => EstimatorNeeds.Experiments;

    internal override ValueEstimate Value(HeldoutEvaluator evaluator, string model)
    {
        var (groups, design) = evaluator.Experiments();
        return WithinExperimentValue.Estimate(evaluator.Scores(model).Logp, evaluator.Scores(evaluator.BaseModelName).Logp, design, evaluator.Rows.Outcome, groups);
    }

    internal override ValueEstimate Difference(HeldoutEvaluator evaluator, string a, string b)
    {
        var (groups, design) = evaluator.Experiments();
        return WithinExperimentValue.Difference(evaluator.Scores(a).Logp, evaluator.Scores(b).Logp, evaluator.Scores(evaluator.BaseModelName).Logp,
            design, evaluator.Rows.Outcome, groups);
    }

    /// <summary>None to report when enough experiments contrast texts; 0 when too few do (nothing can be seen).</summary>
    internal override double? EffectiveRows(HeldoutEvaluator evaluator, string a, string b) =>
        evaluator.ContrastingExperiments >= WithinExperimentValue.MinExperiments ? null : 0;
}
