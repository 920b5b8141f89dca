namespace CausalPreference.Causal;

/// <summary>
/// Held-out logged data for off-policy evaluation of one model f: n labeled rows (X_i, Y_i) drawn from the logging
/// distribution P^R, and optionally m texts X̃_j sampled from f itself, scored by the outcome model.
/// </summary>
/// <param name="PolicyLogp">log P^f(X_i) under the model being evaluated, [n]. −∞ is allowed (zero weight).</param>
/// <param name="ReferenceLogp">log P^R(X_i), the logging/randomization probability, [n]; finite.</param>
/// <param name="Outcome">Y_i on its raw scale (no orientation), [n].</param>
/// <param name="OutcomeHat">ĝ(X_i), outcome-model predictions on the logged rows (cross-fitted), [n]; DR and SNDR.</param>
/// <param name="OutcomeHatTilde">ĝ(X̃_j) for m texts X̃_j ~ P^f; DM, DR and SNDR.</param>
/// <param name="Weights">
/// Non-negative row weights, e.g. impressions when Outcome is a per-impression rate; default 1 for every row. Each
/// row counts Weights[i] times in the estimate, while rows remain the independent units for standard errors.
/// Weight diagnostics (ESS) describe the importance ratios alone, not these row weights.
/// </param>
public sealed record LoggedSample(
    double[] PolicyLogp,
    double[] ReferenceLogp,
    double[] Outcome,
    double[]? OutcomeHat = null,
    double[]? OutcomeHatTilde = null,
    double[]? Weights = null)
{
    /// <summary>Number of logged rows n.</summary>
    public int N => Outcome.Length;

    /// <summary>
    /// Checks lengths and values. Throws <see cref="ArgumentException"/> with a message that says what to fix.
    /// </summary>
    /// <param name="estimator">Name used in messages.</param>
    /// <param name="needsOutcomeHat">Whether <see cref="OutcomeHat"/> is required.</param>
    /// <param name="needsPolicySamples">Whether <see cref="OutcomeHatTilde"/> is required.</param>
    public void Validate(string estimator, bool needsOutcomeHat, bool needsPolicySamples)
    {
        if (PolicyLogp is null || ReferenceLogp is null || Outcome is null)
            throw new ArgumentException($"{estimator}: PolicyLogp, ReferenceLogp and Outcome are required.");
        int n = Outcome.Length;
        if (n == 0)
            throw new ArgumentException($"{estimator}: the logged sample has no rows.");
        CheckLength(PolicyLogp, nameof(PolicyLogp), n, estimator);
        CheckLength(ReferenceLogp, nameof(ReferenceLogp), n, estimator);
        for (int i = 0; i < n; i++)
        {
            if (double.IsNaN(PolicyLogp[i]) || double.IsPositiveInfinity(PolicyLogp[i]))
                throw new ArgumentException($"{estimator}: PolicyLogp[{i}] is {PolicyLogp[i]}; a log-probability must be finite or −∞.");
            if (!double.IsFinite(ReferenceLogp[i]))
                throw new ArgumentException(
                    $"{estimator}: ReferenceLogp[{i}] is {ReferenceLogp[i]}; every logged row must have a finite logging log-probability " +
                    "(−∞ would mean the row could not have been logged).");
            if (!double.IsFinite(Outcome[i]))
                throw new ArgumentException($"{estimator}: Outcome[{i}] is {Outcome[i]}; outcomes must be finite (drop or impute missing ones first).");
        }
        if (OutcomeHat is not null)
        {
            CheckLength(OutcomeHat, nameof(OutcomeHat), n, estimator);
            CheckFinite(OutcomeHat, nameof(OutcomeHat), estimator);
        }
        else if (needsOutcomeHat)
            throw new ArgumentException($"{estimator} needs OutcomeHat: ĝ(X_i) for every logged row (cross-fitted outcome-model predictions).");
        if (OutcomeHatTilde is not null)
        {
            if (OutcomeHatTilde.Length == 0)
                throw new ArgumentException($"{estimator}: OutcomeHatTilde is empty; sample at least one text from the model.");
            CheckFinite(OutcomeHatTilde, nameof(OutcomeHatTilde), estimator);
        }
        else if (needsPolicySamples)
            throw new ArgumentException(
                $"{estimator} needs OutcomeHatTilde: ĝ(X̃_j) for texts X̃_j sampled from the model being evaluated.");
        if (Weights is not null)
        {
            CheckLength(Weights, nameof(Weights), n, estimator);
            double total = 0;
            for (int i = 0; i < n; i++)
            {
                if (!double.IsFinite(Weights[i]) || Weights[i] < 0)
                    throw new ArgumentException($"{estimator}: Weights[{i}] is {Weights[i]}; row weights must be finite and non-negative.");
                total += Weights[i];
            }
            if (!(total > 0))
                throw new ArgumentException($"{estimator}: every row weight is zero; at least one row must count.");
        }
    }

    static void CheckLength(double[] a, string name, int n, string estimator)
    {
        if (a.Length != n)
            throw new ArgumentException($"{estimator}: {name} has {a.Length} entries but Outcome has {n}; give one per logged row.");
    }

    static void CheckFinite(double[] a, string name, string estimator)
    {
        for (int i = 0; i < a.Length; i++)
            if (!double.IsFinite(a[i]))
                throw new ArgumentException($"{estimator}: {name}[{i}] is {a[i]}; predictions must be finite.");
    }
}
