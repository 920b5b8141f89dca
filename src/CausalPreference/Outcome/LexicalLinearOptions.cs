namespace CausalPreference.Outcome;

/// <summary>Options of <see cref="LexicalLinearModel"/>.</summary>
public sealed record LexicalLinearOptions
{
    /// <summary>Fit L2-regularized logistic regression for 0/1 (or [0, 1] proportion) outcomes and predict probabilities; otherwise ridge regression.</summary>
    public bool Binary { get; init; }

    /// <summary>Add word bigrams ("w1 w2") to the unigram features.</summary>
    public bool Bigrams { get; init; }

    /// <summary>Keep a word (or bigram) only if at least this many training texts contain it.</summary>
    public int MinCount { get; init; } = 1;

    /// <summary>Keep at most this many features, the most frequent first (ties in ordinal order).</summary>
    public int MaxFeatures { get; init; } = 50_000;

    /// <summary>
    /// L2 strength λ ≥ 0; the intercept is never penalized. Ridge minimizes Σ wᵢ(yᵢ − xᵢβ)² + λ‖β‖²; logistic minimizes
    /// −Σ wᵢ log-likelihoodᵢ + (λ/2)‖β‖² (scikit-learn's C = 1/λ). Weights are rescaled to average 1 first, so λ means
    /// the same with or without weights. λ = 0 is ordinary least squares / maximum likelihood, stabilized by a
    /// numerically tiny ridge (10⁻⁸ of the mean Gram diagonal) so collinear features do not fail.
    /// </summary>
    public double L2 { get; init; } = 1.0;

    /// <summary>Add the text's word count as a feature (standardized with the training mean and sd).</summary>
    public bool LengthFeature { get; init; } = true;

    /// <summary>Throws <see cref="IO.InputException"/> on an invalid option.</summary>
    public void Validate()
    {
        if (MinCount < 1) throw new IO.InputException($"the minimum word count must be ≥ 1; got {MinCount}.");
        if (MaxFeatures < 1) throw new IO.InputException($"the maximum number of features must be ≥ 1; got {MaxFeatures}.");
        if (!(L2 >= 0) || double.IsInfinity(L2)) throw new IO.InputException($"the L2 strength must be a finite number ≥ 0; got {L2}.");
    }
}
