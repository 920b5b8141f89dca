using TorchSharp;
using static TorchSharp.torch;

namespace CausalPreference.Causal;

/// <summary>
/// Options of the authors' <c>bias_corrected_rlhf_loss</c> (each parameter below names the reference script's option of that name) (trainer.py:307-416 at 2d4fcdd; docs/math.md#reference-code).
/// FOR A/B COMPARISON WITH THE REFERENCE CODE ONLY; use <see cref="Objectives"/> to train.
/// </summary>
/// <param name="PrScale">n = <c>pr_scale</c>, the number of training rows (80% split).</param>
/// <param name="Paired"><c>paired</c>: the outcome-model term uses X̃ (DR-CPO, OO-RLHF); otherwise it uses X (CPO).</param>
/// <param name="UsePrEst"><c>use-pr-est</c>: ipw_ratio = s instead of s⊙q/n.</param>
/// <param name="Stabilize"><c>stabilize</c>: the PPO-style min with weights clamped to [0.8, 1.2].</param>
/// <param name="NormIpwTerm"><c>norm-ipw-term</c>: only disables the stabilize clamp of the IPW and unpaired terms.</param>
/// <param name="NormRlhfTerm"><c>norm-rlhf-term</c>: paired outcome term s̃⊙ĝ̃⊙softmax(ℓ^0̃) (no stabilize).</param>
/// <param name="HigherOutcomeBetter"><c>higheroutcomebetter</c>: negate the per-example loss (maximize).</param>
/// <param name="CIpw"><c>c-ipw</c> (default 1).</param>
/// <param name="CRlhf"><c>c-rlhf</c> (default 1; OO-RLHF uses c_ipw = 0).</param>
/// <param name="CEntropy"><c>c-entropy</c> (default 0); needs the per-example entropy.</param>
internal sealed record ReferenceCompatOptions(
    long PrScale,
    bool Paired,
    bool UsePrEst = false,
    bool Stabilize = false,
    bool NormIpwTerm = false,
    bool NormRlhfTerm = false,
    bool HigherOutcomeBetter = false,
    double CIpw = 1.0,
    double CRlhf = 1.0,
    double CEntropy = 0.0)
{
    /// <summary>run_template.sh's CPO: unpaired, c_ipw = c_rlhf = 1.</summary>
    public static ReferenceCompatOptions Cpo(long prScale) => new(prScale, Paired: false);
    /// <summary>run_template.sh's DR-CPO: paired, c_ipw = c_rlhf = 1.</summary>
    public static ReferenceCompatOptions DrCpo(long prScale) => new(prScale, Paired: true);
    /// <summary>run_template.sh's OO-RLHF: paired, c_ipw = 0, c_rlhf = 1.</summary>
    public static ReferenceCompatOptions OoRlhf(long prScale) => new(prScale, Paired: true, CIpw: 0.0);
}

/// <summary>
/// The reference code's formulas reproduced exactly, quirks included (docs/math.md#reference-code).
/// FOR A/B COMPARISON ONLY: these are not the paper's estimators. Training should use <see cref="Objectives"/> and a
/// correct masked, shifted log-likelihood.
/// </summary>
internal static class ReferenceCompat
{
    /// <summary>
    /// The reference "sentence log-prob" (docs/math.md#sequence-score): ℓ(x) = Σ_t z_t[x_t], raw logits (no log-softmax), read at the
    /// CURRENT token (no shift), summed over every position including padding (no mask). Known to be wrong
    /// (docs/math.md#sequence-score); provided only to reproduce the reference code.
    /// </summary>
    /// <param name="logits">[B, T, V] raw model outputs.</param>
    /// <param name="inputIds">[B, T] token ids (int64).</param>
    /// <returns>[B] scores in the logits' dtype.</returns>
    public static Tensor SequenceScore(Tensor logits, Tensor inputIds)
    {
        ArgumentNullException.ThrowIfNull(logits);
        ArgumentNullException.ThrowIfNull(inputIds);
        if (logits.dim() != 3 || inputIds.dim() != 2 || logits.shape[0] != inputIds.shape[0] || logits.shape[1] != inputIds.shape[1])
            throw new ArgumentException(
                $"Expected logits [B, T, V] and input ids [B, T] with the same B and T; got [{string.Join(", ", logits.shape)}] and [{string.Join(", ", inputIds.shape)}].");
        using var scope = NewDisposeScope();
        // token_log_probs = gather(logits, dim=2, index=input_ids[..., None]); sentence = sum over all T positions
        var ids = inputIds.to_type(ScalarType.Int64).unsqueeze(-1);
        var score = logits.gather(2, ids).squeeze(-1).sum(1);
        return score.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The reference entropy bonus (trainer.py:410): mean over all T positions (pads included) of the categorical
    /// entropy of softmax(z_t). Returns [B].
    /// </summary>
    public static Tensor EntropyBonus(Tensor logits)
    {
        ArgumentNullException.ThrowIfNull(logits);
        if (logits.dim() != 3)
            throw new ArgumentException($"Expected logits [B, T, V]; got [{string.Join(", ", logits.shape)}].", nameof(logits));
        using var scope = NewDisposeScope();
        var logp = logits.log_softmax(-1);
        var entropy = -(logp.exp() * logp).sum(-1).mean(new long[] { -1 });
        return entropy.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// <c>bias_corrected_rlhf_loss</c> (docs/math.md#reference-code), minimized by the reference Trainer. With B rows:
    /// <code>
    /// s  = softmax_B(ℓ^f − ℓ^0)          q = softmax_B(ℓ^0)          s̃ = softmax_B(ℓ^f̃ − ℓ^0̃)
    /// ipw_ratio = UsePrEst ? s : s⊙q/n
    /// ipw_i  = ipw_ratio_i (Y_i − ĝ_i)                    [Stabilize &amp;&amp; !NormIpwTerm: min(that, clamp(ipw_ratio,0.8,1.2)(Y_i − ĝ_i))]
    /// rlhf_i = unpaired: ipw_ratio_i ĝ_i                  [Stabilize &amp;&amp; !NormIpwTerm: min(that, clamp(ipw_ratio,0.8,1.2) Y_i)  ← Y, quirk]
    ///          paired:   s̃_i ĝ̃_i                          [NormRlhfTerm: s̃_i ĝ̃_i softmax_B(ℓ^0̃)_i; else Stabilize: min(that, clamp(s̃,0.8,1.2) ĝ̃_i)]
    /// loss_i = c_rlhf rlhf_i + c_ipw ipw_i + c_entropy H_i;   loss = −loss if HigherOutcomeBetter
    /// loss   = nanmean(loss[loss ≠ +∞])                      (drops +∞ and NaN rows silently; −∞ is kept)
    /// </code>
    /// The norm constant of the code (max ℓ^0 of the first batch) cancels inside the softmax and is omitted.
    /// </summary>
    /// <param name="policyLogp">ℓ^f(X_i) [B] (reference score, see <see cref="SequenceScore"/>).</param>
    /// <param name="referenceLogp">ℓ^0(X_i) [B], <c>pr_sentence_log_probs</c>.</param>
    /// <param name="outcome">Y_i [B], the raw outcome (the code never orients it; see HigherOutcomeBetter).</param>
    /// <param name="outcomeHat">ĝ(X_i) [B], <c>pred_outcome</c>.</param>
    /// <param name="options">Flags.</param>
    /// <param name="policyLogpTilde">ℓ^f(X̃_i) [B], paired only.</param>
    /// <param name="referenceLogpTilde">ℓ^0(X̃_i) [B], <c>pr_sentence_log_probs_2</c>, paired only.</param>
    /// <param name="outcomeHatTilde">ĝ(X̃_i) [B], <c>pred_outcome_2</c>, paired only.</param>
    /// <param name="entropy">Per-example entropy bonus [B] (<see cref="EntropyBonus"/>); needed only when CEntropy ≠ 0.</param>
    /// <returns>Scalar float64 loss with the autograd graph.</returns>
    public static Tensor Loss(Tensor policyLogp, Tensor referenceLogp, Tensor outcome, Tensor outcomeHat,
        ReferenceCompatOptions options, Tensor? policyLogpTilde = null, Tensor? referenceLogpTilde = null,
        Tensor? outcomeHatTilde = null, Tensor? entropy = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.PrScale <= 0)
            throw new ArgumentException($"PrScale (n, the number of training rows) must be positive; got {options.PrScale}.", nameof(options));
        using var scope = NewDisposeScope();
        var lf = D(policyLogp, nameof(policyLogp));
        long b = lf.shape[0];
        var l0 = D(referenceLogp, nameof(referenceLogp), b);
        var y = D(outcome, nameof(outcome), b);
        var gHat = D(outcomeHat, nameof(outcomeHat), b);

        var s = (lf - l0).softmax(0);                        // pr_ratio
        var q = l0.softmax(0);                               // norm_ratio
        var ipwRatio = options.UsePrEst ? s : s * q / (double)options.PrScale;
        bool clampIpw = options.Stabilize && !options.NormIpwTerm;

        var resid = y - gHat;
        var ipw = clampIpw ? minimum(ipwRatio * resid, ipwRatio.clamp(0.8, 1.2) * resid) : ipwRatio * resid;

        Tensor rlhf;
        if (!options.Paired)
        {
            rlhf = clampIpw ? minimum(ipwRatio * gHat, ipwRatio.clamp(0.8, 1.2) * y) : ipwRatio * gHat;
        }
        else
        {
            if (policyLogpTilde is null || referenceLogpTilde is null || outcomeHatTilde is null)
                throw new ArgumentException("Paired mode needs policyLogpTilde, referenceLogpTilde and outcomeHatTilde (one X̃ per row).");
            var lft = D(policyLogpTilde, nameof(policyLogpTilde), b);
            var l0t = D(referenceLogpTilde, nameof(referenceLogpTilde), b);
            var gt = D(outcomeHatTilde, nameof(outcomeHatTilde), b);
            var st = (lft - l0t).softmax(0);                 // pr_ratio_2
            if (options.NormRlhfTerm)
                rlhf = st * gt * l0t.softmax(0);
            else if (options.Stabilize)
                rlhf = minimum(st * gt, st.clamp(0.8, 1.2) * gt);
            else
                rlhf = st * gt;
        }

        var loss = options.CRlhf * rlhf + options.CIpw * ipw;
        if (options.CEntropy != 0.0)
        {
            if (entropy is null)
                throw new ArgumentException("CEntropy is non-zero, so the per-example entropy [B] is needed (ReferenceCompat.EntropyBonus).", nameof(entropy));
            loss = loss + options.CEntropy * D(entropy, nameof(entropy), b);
        }
        if (options.HigherOutcomeBetter) loss = -loss;
        // nanmean(loss[loss != +inf]), written out (sum of the non-NaN entries over their count).
        var kept = loss.masked_select(loss.ne(double.PositiveInfinity));
        var notNan = kept.isnan().logical_not();
        var result = where(notNan, kept, zeros_like(kept)).sum() / notNan.sum().to_type(ScalarType.Float64);
        return result.MoveToOuterDisposeScope();
    }

    static Tensor D(Tensor t, string name, long? length = null)
    {
        ArgumentNullException.ThrowIfNull(t, name);
        if (t.dim() != 1 || t.shape[0] == 0 || (length is long n && t.shape[0] != n))
            throw new ArgumentException(
                $"{name} must be a non-empty 1-D tensor{(length is long m ? $" of length {m}" : "")}; got shape [{string.Join(", ", t.shape)}].", name);
        return t.dtype == ScalarType.Float64 ? t.alias() : t.to_type(ScalarType.Float64);
    }
}
