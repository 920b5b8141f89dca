using CausalPreference.Causal;

namespace CausalPreference.Evaluation.OffPolicy;

/// <summary>
/// An estimator of a model's value on held-out rows that declares what it needs (<see cref="Needs"/>), so that
/// <see cref="HeldoutEvaluator"/> draws policy samples, fits ĝ or reads design probabilities only when one of its
/// estimators asks. The off-policy estimators of <see cref="Estimators"/> (<see cref="Of"/>) and the within-experiment
/// estimator WITHIN (<see cref="Within"/>) are the built-in ones.
/// </summary>
public abstract class HeldoutEstimator
{
    /// <summary>Short name, e.g. "SNIPW" or "WITHIN".</summary>
    public abstract string Name { get; }

    /// <summary>What the estimator needs beyond the outcomes and log P^f(X_i).</summary>
    public abstract EstimatorNeeds Needs { get; }

    /// <summary>Whether the estimate rests on importance weights P^f/P^R (so their effective sample size describes it).</summary>
    public bool UsesImportanceWeights => Needs.HasFlag(EstimatorNeeds.ImportanceWeights);

    /// <summary>V̂(model) on the evaluator's rows.</summary>
    internal abstract ValueEstimate Value(HeldoutEvaluator evaluator, string model);

    /// <summary>V̂(a) − V̂(b), paired on the same rows.</summary>
    internal abstract ValueEstimate Difference(HeldoutEvaluator evaluator, string a, string b);

    /// <summary>The smaller effective sample size of two models' estimates, in rows; null when the estimator has none to report.</summary>
    internal abstract double? EffectiveRows(HeldoutEvaluator evaluator, string a, string b);

    /// <summary>The within-experiment estimator (<see cref="WithinExperimentValue"/>).</summary>
    public static HeldoutEstimator Within { get; } = new WithinExperimentEstimator();

    /// <summary>IPW, SNIPW, DM, DR and SNDR, in that order.</summary>
    public static IReadOnlyList<HeldoutEstimator> OffPolicy { get; } = Estimators.All.Select(e => (HeldoutEstimator)new OffPolicyEstimator(e)).ToArray();

    /// <summary>The held-out form of a built-in off-policy estimator.</summary>
    public static HeldoutEstimator Of(ValueEstimator estimator) =>
        OffPolicy.First(e => ((OffPolicyEstimator)e).Estimator == estimator);

    /// <summary>Looks an estimator up by name (case-insensitive): WITHIN, or one of <see cref="Estimators.ByName"/>.</summary>
    public static HeldoutEstimator ByName(string name) =>
        string.Equals(name, Within.Name, StringComparison.OrdinalIgnoreCase) ? Within : Of(Estimators.ByName(name));
}
