namespace CausalPreference.Training;

/// <summary>
/// Overlap-aware optimization (not in the paper; the default of <c>train</c>, <c>demo</c> and <c>pipeline</c>): the policy may
/// move only as far as the data can vouch for.
/// <list type="number">
/// <item><b>An adaptive likelihood anchor.</b> The trainer minimizes −V̂ + λ·(mean NLL per token of the step's own texts),
/// a cross-entropy to the data's distribution (KL(reference ‖ f) up to a constant). λ starts at
/// <see cref="InitialAnchorWeight"/> and is adapted like PPO's KL coefficient: every <see cref="AdaptEvery"/> steps the
/// Kish ESS fraction of the importance ratios of those steps' rows (pooled) is compared with <see cref="EssFloor"/>;
/// below it λ is multiplied by <see cref="AdaptFactor"/>, above the band's top ((1 + floor)/2) divided by it, within
/// [<see cref="MinAnchorWeight"/>, <see cref="MaxAnchorWeight"/>].</item>
/// <item><b>Checkpoint selection by a certified bound.</b> Every <see cref="Evaluations"/>-th of the run the policy's
/// <see cref="Causal.ImprovementCertificate"/> over FT is computed on the selection half of the held-out rows, and the
/// checkpoint with the highest 95% lower bound is kept; the run then states the bound on the other half.</item>
/// </list>
/// <see cref="PaperExact"/> turns both off: the paper's objective (λ from <c>ObjectiveOptions.AnchorWeight</c>, 0 by
/// default) with the best epoch chosen by the validation V̂, as before this option existed.
/// </summary>
public sealed record OverlapOptions
{
    /// <summary>False: the paper's exact objective and per-epoch selection by the validation V̂.</summary>
    public bool Enabled { get; init; } = true;
    /// <summary>λ at the first step.</summary>
    public double InitialAnchorWeight { get; init; } = 1.0;
    /// <summary>Smallest ESS fraction (of the pooled importance ratios of one adaptation window) the controller holds.</summary>
    public double EssFloor { get; init; } = 0.3;
    /// <summary>Steps per adaptation window.</summary>
    public int AdaptEvery { get; init; } = 4;
    /// <summary>Multiplicative change of λ per window.</summary>
    public double AdaptFactor { get; init; } = 2;
    /// <summary>The smallest λ the controller lowers to.</summary>
    public double MinAnchorWeight { get; init; } = 0.05;
    /// <summary>The largest λ the controller raises to.</summary>
    public double MaxAnchorWeight { get; init; } = 100;
    /// <summary>How many times over the run the held-out certificate is computed (checkpoint candidates).</summary>
    public int Evaluations { get; init; } = 10;
    /// <summary>Share of the held-out rows that selects the checkpoint; the rest certify it.</summary>
    public double SelectionFraction { get; init; } = 0.5;
    /// <summary>
    /// Smallest share of FT's probability on the data's texts the policy may keep, estimated per window as the mean of
    /// P^f/P^FT over its texts (the policy's mass on the texts FT writes, relative to FT's); below it λ grows as for a low
    /// ESS, and it does not fall. 0 = off (pooled weighting, where the held-out certificate's floor prices mass moved off
    /// the data's texts). Within experiments the weights sum to one in every experiment, so they cannot see the policy
    /// leaving the tested texts at all: there the run sets 0.8.
    /// </summary>
    public double MinRetainedMass { get; init; }

    /// <summary>The default overlap-aware settings.</summary>
    public static OverlapOptions Default { get; } = new();

    /// <summary>The paper's exact objective and selection.</summary>
    public static OverlapOptions PaperExact { get; } = new() { Enabled = false };

    /// <summary>Checks the settings; the messages name the parameters.</summary>
    public void Validate()
    {
        if (!Enabled) return;
        if (!(InitialAnchorWeight >= 0) || double.IsInfinity(InitialAnchorWeight)) throw new IO.InputException($"the initial anchor weight must be a finite number ≥ 0 (got {InitialAnchorWeight})");
        if (!(EssFloor > 0 && EssFloor < 1)) throw new IO.InputException($"the ESS floor must be between 0 and 1 (got {EssFloor})");
        if (AdaptEvery < 1) throw new IO.InputException($"the adaptation window must be at least 1 step (got {AdaptEvery})");
        if (!(AdaptFactor > 1) || double.IsInfinity(AdaptFactor)) throw new IO.InputException($"the adaptation factor must be above 1 (got {AdaptFactor})");
        if (!(MinAnchorWeight > 0 && MinAnchorWeight <= MaxAnchorWeight) || double.IsInfinity(MaxAnchorWeight)) throw new IO.InputException($"the anchor weight bounds must satisfy 0 < min ≤ max (got {MinAnchorWeight}, {MaxAnchorWeight})");
        if (Evaluations < 1) throw new IO.InputException($"the number of held-out evaluations must be at least 1 (got {Evaluations})");
        if (!(MinRetainedMass >= 0 && MinRetainedMass < 1)) throw new IO.InputException($"the smallest retained mass must lie in [0, 1) (got {MinRetainedMass})");
        if (!(SelectionFraction > 0 && SelectionFraction < 1)) throw new IO.InputException($"the selection share of the held-out rows must be between 0 and 1 (got {SelectionFraction})");
    }
}
