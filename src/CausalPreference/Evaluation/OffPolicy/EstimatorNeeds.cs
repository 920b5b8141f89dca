namespace CausalPreference.Evaluation.OffPolicy;

/// <summary>What a <see cref="HeldoutEstimator"/> needs beyond the held-out rows' outcomes and each model's log P^f(X_i);
/// <see cref="HeldoutEvaluator"/> obtains only what its estimators need (obp's <c>OffPolicyEvaluation</c> does the same).</summary>
[Flags]
public enum EstimatorNeeds
{
    /// <summary>Nothing more.</summary>
    None = 0,
    /// <summary>log P^R(X_i) of every row, for the importance weights P^f/P^R (IPW, SNIPW, DR, SNDR).</summary>
    ImportanceWeights = 1,
    /// <summary>ĝ(X_i), outcome-model predictions on the held-out rows, cross-fitted (DR, SNDR).</summary>
    OutcomeHatOnRows = 2,
    /// <summary>Texts X̃_j sampled from each model, scored by ĝ (DM, DR, SNDR).</summary>
    PolicySamples = 4,
    /// <summary>Experiment ids and design probabilities of the rows, and a base model's log-probabilities (WITHIN).</summary>
    Experiments = 8,
}
