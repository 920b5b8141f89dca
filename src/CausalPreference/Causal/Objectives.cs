using TorchSharp;
using static TorchSharp.torch;

namespace CausalPreference.Causal;

// ─────────────────────────────────────────────────────────────────────────────────────────────────────────────────────
// The training objectives of the paper (docs/math.md#objectives), all in one file. Notation:
//   ℓ^f(x)         log P^f(x), the policy's sequence log-probability (carries the autograd graph)
//   log P̂^R(X_i)   the logging/randomization log-probability of labeled text X_i (FT model, or design probability)
//   log P^{f0}(X̃_j) the log-density of the sampler that produced unlabeled text X̃_j
//   Y_i            outcome, already oriented so that larger is better (the objective is MAXIMIZED)
//   ĝ(x)           outcome model prediction of E[Y | X = x], on Y's scale
//   d_i = ℓ^f(X_i) − log P̂^R(X_i),   d̃_j = ℓ^f(X̃_j) − log P^{f0}(X̃_j)     (log importance ratios)
//
// Self-normalized weights (recommended, what the paper's code does within a batch; docs/math.md#weights):
//   w_i = softmax(d)_i = exp(d_i − logsumexp_k d_k),   w̃_j = softmax(d̃)_j
//   CPO      V̂ = Σ_i w_i Y_i
//   OO-RLHF  V̂ = Σ_j w̃_j ĝ(X̃_j)
//   DR-CPO   V̂ = Σ_i w_i (Y_i − ĝ(X_i)) + Σ_j w̃_j ĝ(X̃_j)          (both terms on one scale)
// Horvitz–Thompson weights (the paper's exact formulas, Thm 4.2 / §3.5):
//   CPO      V̂ = (1/n) Σ_i exp(d_i) Y_i
//   OO-RLHF  V̂ = (1/m) Σ_j exp(d̃_j) ĝ(X̃_j)
//   DR-CPO   V̂ = (1/n) Σ_i exp(d_i)(Y_i − ĝ(X_i)) + (1/m) Σ_j exp(d̃_j) ĝ(X̃_j)
// Within experiments (rows carry an experiment id e(i), randomized within it; the caller passes
// log P̂^R(X_i) = ℓ^FT(X_i) + log P^R(row i | e(i))): every labeled sum above is taken inside each experiment and the
// G experiments of the scope are averaged,
//   SN  Σ_i w_i a_i  →  (1/G) Σ_e Σ_{i∈e} softmax_{i∈e}(d)_i a_i       HT  →  (1/G) Σ_e (1/n_e) Σ_{i∈e} exp(d_i) a_i
// i.e. the value of choosing, in each experiment, among its tested texts with the experiment's allocation tilted by
// P^f/P^FT (docs/within-experiment.md, docs/math.md#within-experiment).
// The X̃ term of DR-CPO and OO-RLHF is unchanged: it reaches beyond the tested texts, through ĝ.
// Loss = −V̂. Only log-RATIOS are ever exponentiated, never a raw sequence log-probability.
// ─────────────────────────────────────────────────────────────────────────────────────────────────────────────────────

/// <summary>Which of the paper's objectives to optimize (docs/math.md#objectives).</summary>
public enum ObjectiveKind
{
    /// <summary>Causal Preference Optimization: the IPW value estimate over labeled rows.</summary>
    Cpo,
    /// <summary>Doubly robust CPO: IPW residual correction over labeled rows plus the outcome-model term over X̃.</summary>
    DrCpo,
    /// <summary>Offline outcome RLHF baseline: the outcome-model term over X̃ only.</summary>
    OoRlhf,
}

/// <summary>How importance ratios are turned into weights.</summary>
public enum WeightNormalization
{
    /// <summary>
    /// Hájek / self-normalized: w = softmax(log-ratios) over exactly the rows passed in one call, so the weights sum
    /// to 1. Biased but consistent, far lower variance, and immune to overflow. Recommended default.
    /// </summary>
    SelfNormalized,
    /// <summary>
    /// Horvitz–Thompson: w = exp(log-ratio) / count. Unbiased when the log-probabilities are exact, but its scale
    /// explodes with sequence length. Intended for evaluation, short texts and tests.
    /// </summary>
    HorvitzThompson,
}

/// <summary>
/// Per-row inputs of an objective, for one normalization scope. All tensors are 1-D; float32 or float64 (computation
/// is done in float64). The labeled tensors have length n, the unlabeled ones length m; m need not equal n.
/// </summary>
/// <param name="PolicyLogp">ℓ^f(X_i) = log P^f(X_i), [n]; must carry the autograd graph to the policy.</param>
/// <param name="ReferenceLogp">log P̂^R(X_i), [n]; a constant (precomputed under the frozen reference model).</param>
/// <param name="Outcome">Y_i, [n], oriented so that larger is better: the objective is maximized.</param>
/// <param name="OutcomeHat">ĝ(X_i), [n]; needed by DR-CPO (cross-fitted predictions on Y's scale).</param>
/// <param name="PolicyLogpTilde">ℓ^f(X̃_j), [m]; needed by DR-CPO and OO-RLHF.</param>
/// <param name="F0LogpTilde">log P^{f0}(X̃_j), [m], the density of the sampler that produced X̃_j.</param>
/// <param name="OutcomeHatTilde">ĝ(X̃_j), [m].</param>
/// <param name="Groups">Optional experiment index of each labeled row, [n] (any non-negative ids): the labeled
/// weights are then normalized within each experiment and the experiments averaged (see the file header). Null: one
/// scope over all rows.</param>
public sealed record ObjectiveInputs(
    Tensor PolicyLogp,
    Tensor ReferenceLogp,
    Tensor Outcome,
    Tensor? OutcomeHat = null,
    Tensor? PolicyLogpTilde = null,
    Tensor? F0LogpTilde = null,
    Tensor? OutcomeHatTilde = null,
    int[]? Groups = null)
{
    /// <summary>
    /// Inputs for OO-RLHF, which uses no labeled rows: the labeled tensors are set to empty float64 tensors and are
    /// ignored by <see cref="Objectives.Compute"/>.
    /// </summary>
    public static ObjectiveInputs ForOoRlhf(Tensor policyLogpTilde, Tensor f0LogpTilde, Tensor outcomeHatTilde) =>
        new(empty(0, ScalarType.Float64), empty(0, ScalarType.Float64), empty(0, ScalarType.Float64),
            null, policyLogpTilde, f0LogpTilde, outcomeHatTilde);
}

/// <summary>Options of <see cref="Objectives.Compute"/>.</summary>
/// <param name="Normalization">Self-normalized (default) or Horvitz–Thompson weights.</param>
/// <param name="MaxLogWeight">
/// Explicit clipping, on the log scale: log-ratios d above this value are replaced by it (a cap of exp(MaxLogWeight) on the ratio,
/// unlike <see cref="EstimateOptions.MaxWeight"/>, which caps the ratio itself;
/// clipped rows get no gradient). Off (null) by default. With self-normalized weights only differences between
/// log-ratios matter, so the cap acts relative to the other rows in the scope. The count is always reported in
/// the diagnostics and the warnings.
/// </param>
/// <param name="AnchorWeight">
/// λ of the optional likelihood anchor (not in the paper; 0, the default, is the paper's objective): the trainer
/// minimizes −V̂ + λ·<see cref="Objectives.LikelihoodAnchor"/>, the policy's mean negative log-likelihood per token of
/// the step's texts (the labeled rows for CPO and DR-CPO, which come from P^R; the X̃ for OO-RLHF, which come from
/// f0). That is the cross-entropy to the reference distribution, i.e. KL(reference ‖ f) up to a constant: it keeps
/// the policy on the texts the reference produces, against the grammar erosion of a fully fine-tuned small model.
/// </param>
public sealed record ObjectiveOptions(
    WeightNormalization Normalization = WeightNormalization.SelfNormalized,
    double? MaxLogWeight = null,
    double AnchorWeight = 0.0);

/// <summary>The value estimate V̂ of one objective on one normalization scope.</summary>
/// <param name="Value">Scalar float64 tensor V̂, with the autograd graph back to the policy log-probabilities.</param>
/// <param name="Loss">−V̂, the quantity an optimizer minimizes.</param>
/// <param name="LabeledWeights">Diagnostics of the weights on the labeled rows (null for OO-RLHF).</param>
/// <param name="UnlabeledWeights">Diagnostics of the weights on the X̃ samples (null for CPO).</param>
/// <param name="Warnings">Human-readable notes, e.g. how many log-ratios were clipped and why.</param>
public sealed record ObjectiveResult(
    Tensor Value,
    Tensor Loss,
    WeightDiagnostics? LabeledWeights,
    WeightDiagnostics? UnlabeledWeights,
    IReadOnlyList<string> Warnings) : IDisposable
{
    /// <summary>Disposes <see cref="Value"/> and <see cref="Loss"/>.</summary>
    public void Dispose()
    {
        Value.Dispose();
        Loss.Dispose();
    }
}

/// <summary>
/// CPO, DR-CPO and OO-RLHF objectives (docs/math.md#objectives). Each call normalizes over exactly the rows it is
/// given: pass a micro-batch to mirror the paper's code (batch of 4), or an accumulated batch for a larger scope.
/// The caller decides the scope; it is part of the estimator's definition, so record it with the run.
/// </summary>
public static class Objectives
{
    /// <summary>
    /// The likelihood anchor: −(Σ_i ℓ^f(X_i)) / T, the policy's mean negative log-likelihood per token over the texts of
    /// one step (T = their target tokens, EOS included). See <see cref="ObjectiveOptions.AnchorWeight"/>.
    /// </summary>
    /// <param name="policyLogp">ℓ^f of the step's texts, [n], carrying the autograd graph to the policy.</param>
    /// <param name="tokens">T, the number of target tokens those log-probabilities sum over (at least 1).</param>
    /// <returns>A scalar float64 tensor, differentiable with respect to the policy.</returns>
    public static Tensor LikelihoodAnchor(Tensor policyLogp, long tokens)
    {
        if (tokens < 1) throw new ArgumentException("the anchor needs at least one target token", nameof(tokens));
        return -policyLogp.to(ScalarType.Float64).sum() / (double)tokens;
    }

    /// <summary>
    /// Computes V̂ (and Loss = −V̂) for <paramref name="kind"/>.
    /// <para>
    /// Numerics: inputs are cast to float64. Self-normalized weights use softmax, which is exact for any finite
    /// log-ratios (±1000 included) and whose gradient w_k(a_k − V̂) is bounded by the outcome range.
    /// Horvitz–Thompson terms are exp(d_i − log n)·a_i: finite as long as d_i + log|a_i| stays below the overflow
    /// ceiling of the policy's dtype (700 for float64, 80 for float32/bfloat16, 10 for float16; so that both the
    /// value and the gradient sent back to the policy are finite). Log-ratios above that ceiling are clipped to
    /// it, counted in <see cref="WeightDiagnostics.ClippedCount"/> and announced in
    /// <see cref="ObjectiveResult.Warnings"/>: the exact value there is not representable anyway.
    /// </para>
    /// </summary>
    /// <param name="kind">The objective: CPO, DR-CPO or OO-RLHF.</param>
    /// <param name="inputs">The per-row tensors of one normalization scope; the weights are normalized over exactly these rows.</param>
    /// <param name="options">Weight normalization, optional clipping and the anchor weight; null means the defaults.</param>
    /// <returns>V̂ and −V̂ with the graph back to the policy, the weight diagnostics, and any warnings. Dispose it after the step.</returns>
    /// <exception cref="ArgumentException">A tensor that the objective needs is missing, not 1-D, of the wrong length,
    /// empty, or holds NaN/±∞ where that is meaningless.</exception>
    public static ObjectiveResult Compute(ObjectiveKind kind, ObjectiveInputs inputs, ObjectiveOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        options ??= new ObjectiveOptions();
        if (options.MaxLogWeight is double cap && double.IsNaN(cap))
            throw new ArgumentException("MaxLogWeight is NaN; give a number or null (no clipping).", nameof(options));
        if (!(options.AnchorWeight >= 0) || double.IsInfinity(options.AnchorWeight))
            throw new ArgumentException($"AnchorWeight must be a finite number ≥ 0 (got {options.AnchorWeight}).", nameof(options));
        var warnings = new List<string>();
        WeightDiagnostics? labeledDiag = null, unlabeledDiag = null;

        using var scope = NewDisposeScope();
        Tensor value;
        switch (kind)
        {
            case ObjectiveKind.Cpo:
            {
                // CPO:  V̂ = Σ_i w_i Y_i   (SN)    or    (1/n) Σ_i exp(d_i) Y_i   (HT)
                var (logRatio, gradType) = LabeledLogRatio(inputs, kind, out long n);
                var y = Vector(inputs.Outcome, "Outcome", "Y_i", kind, n);
                value = WeightedTerm(logRatio, y, options, gradType, "labeled", warnings, out labeledDiag, GroupsOf(inputs, n));
                break;
            }
            case ObjectiveKind.OoRlhf:
            {
                // OO-RLHF:  V̂ = Σ_j w̃_j ĝ(X̃_j)   (SN)    or    (1/m) Σ_j exp(d̃_j) ĝ(X̃_j)   (HT)
                var (logRatioTilde, gradType) = UnlabeledLogRatio(inputs, kind, out long m);
                var gTilde = Vector(inputs.OutcomeHatTilde, "OutcomeHatTilde", "ĝ(X̃_j)", kind, m);
                value = WeightedTerm(logRatioTilde, gTilde, options, gradType, "unlabeled", warnings, out unlabeledDiag);
                break;
            }
            case ObjectiveKind.DrCpo:
            {
                // DR-CPO:  V̂ = Σ_i w_i (Y_i − ĝ(X_i)) + Σ_j w̃_j ĝ(X̃_j)   (SN; HT uses exp(d)/n and exp(d̃)/m)
                var (logRatio, gradType) = LabeledLogRatio(inputs, kind, out long n);
                var y = Vector(inputs.Outcome, "Outcome", "Y_i", kind, n);
                var gHat = Vector(inputs.OutcomeHat, "OutcomeHat", "ĝ(X_i), cross-fitted", kind, n);
                var residual = y - gHat;
                var correction = WeightedTerm(logRatio, residual, options, gradType, "labeled", warnings, out labeledDiag, GroupsOf(inputs, n));

                var (logRatioTilde, gradTypeTilde) = UnlabeledLogRatio(inputs, kind, out long m);
                var gTilde = Vector(inputs.OutcomeHatTilde, "OutcomeHatTilde", "ĝ(X̃_j)", kind, m);
                var outcomeTerm = WeightedTerm(logRatioTilde, gTilde, options, gradTypeTilde, "unlabeled", warnings, out unlabeledDiag);
                value = correction + outcomeTerm;
                break;
            }
            default:
                throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown objective kind.");
        }
        var loss = value.neg();
        value.MoveToOuterDisposeScope();
        loss.MoveToOuterDisposeScope();
        return new ObjectiveResult(value, loss, labeledDiag, unlabeledDiag, warnings);
    }

    /// <summary>Largest log-magnitude allowed for one Horvitz–Thompson term, by the dtype its gradient returns in.</summary>
    internal static double OverflowCeiling(ScalarType gradType) => gradType switch
    {
        ScalarType.Float64 => OverflowGuard.ObjectiveFloat64,
        ScalarType.Float16 => OverflowGuard.ObjectiveFloat16,
        _ => OverflowGuard.ObjectiveFloat32,                    // float32 / bfloat16
    };

    // d_i = ℓ^f(X_i) − log P̂^R(X_i)
    static (Tensor LogRatio, ScalarType GradType) LabeledLogRatio(ObjectiveInputs inputs, ObjectiveKind kind, out long n)
    {
        var policy = Vector(inputs.PolicyLogp, "PolicyLogp", "ℓ^f(X_i)", kind, null);
        n = policy.shape[0];
        var reference = Vector(inputs.ReferenceLogp, "ReferenceLogp", "log P̂^R(X_i)", kind, n);
        return (policy - reference, inputs.PolicyLogp.dtype);
    }

    // d̃_j = ℓ^f(X̃_j) − log P^{f0}(X̃_j)
    static (Tensor LogRatio, ScalarType GradType) UnlabeledLogRatio(ObjectiveInputs inputs, ObjectiveKind kind, out long m)
    {
        var policy = Vector(inputs.PolicyLogpTilde, "PolicyLogpTilde", "ℓ^f(X̃_j)", kind, null);
        m = policy.shape[0];
        var f0 = Vector(inputs.F0LogpTilde, "F0LogpTilde", "log P^{f0}(X̃_j)", kind, m);
        return (policy - f0, inputs.PolicyLogpTilde!.dtype);
    }

    /// <summary>The labeled rows' experiments as index lists (null without groups), checked against n.</summary>
    static List<long[]>? GroupsOf(ObjectiveInputs inputs, long n)
    {
        if (inputs.Groups is not { } g) return null;
        if (g.Length != n)
            throw new ArgumentException($"Groups has {g.Length} entries but there are {n} labeled rows (one experiment id per row).", nameof(inputs));
        if (g.Any(v => v < 0)) throw new ArgumentException("Groups holds a negative experiment id.", nameof(inputs));
        return g.Select((e, i) => (e, i)).GroupBy(p => p.e).OrderBy(x => x.Key).Select(x => x.Select(p => (long)p.i).ToArray()).ToList();
    }

    /// <summary>
    /// One importance-weighted term. SN: Σ_k softmax(d)_k a_k. HT: Σ_k exp(d_k − log K) a_k (= (1/K) Σ exp(d_k) a_k).
    /// With <paramref name="groups"/>, either is taken within each group and the groups are averaged.
    /// Optional explicit clipping and the HT overflow guard replace d_k by a ceiling; both are counted.
    /// </summary>
    static Tensor WeightedTerm(Tensor logRatio, Tensor a, ObjectiveOptions options, ScalarType gradType, string label,
        List<string> warnings, out WeightDiagnostics diagnostics, List<long[]>? groups = null)
    {
        double[] d = logRatio.detach().cpu().data<double>().ToArray();
        double[] av = a.detach().cpu().data<double>().ToArray();
        int k = d.Length;
        for (int i = 0; i < k; i++)
        {
            if (double.IsNaN(d[i]) || double.IsPositiveInfinity(d[i]))
                throw new ArgumentException(
                    $"The {label} log-ratio (policy log-prob minus reference log-prob) at row {i} is {d[i]}. " +
                    "A reference log-probability of −∞ means the text could not have been produced by the logging/sampling " +
                    "distribution (no overlap); NaN means a log-probability was NaN. Fix the precomputed log-probabilities.");
            if (!double.IsFinite(av[i]))
                throw new ArgumentException(
                    $"The {label} outcome (or outcome residual) at row {i} is {av[i]}; outcomes and predictions must be finite.");
        }
        if (d.All(double.IsNegativeInfinity))
            throw new ArgumentException(
                $"Every {label} log-ratio is −∞: the policy gives zero probability to every text in this scope, so no weight is defined.");

        bool ht = options.Normalization == WeightNormalization.HorvitzThompson;
        double cap = options.MaxLogWeight ?? double.PositiveInfinity;
        double guard = ht ? OverflowCeiling(gradType) : double.PositiveInfinity;
        var ceiling = new double[k];
        var clippedD = new double[k];
        int explicitClipped = 0, guardClipped = 0;
        for (int i = 0; i < k; i++)
        {
            double g = guard - Math.Log(Math.Max(Math.Abs(av[i]), 1.0));
            ceiling[i] = Math.Min(cap, g);
            clippedD[i] = Math.Min(d[i], ceiling[i]);
            if (d[i] > ceiling[i])
            {
                if (g < cap) guardClipped++;
                else explicitClipped++;
            }
        }
        if (explicitClipped > 0)
            warnings.Add($"{explicitClipped} of {k} {label} log-ratios were clipped at MaxLogWeight = {cap}; clipped rows receive no gradient.");
        if (guardClipped > 0)
            warnings.Add($"{guardClipped} of {k} {label} Horvitz–Thompson log-ratios were clipped by the overflow guard " +
                         $"(log-ratio + log max(|outcome|, 1) ≤ {guard} for {gradType} gradients): the exact value is not representable. " +
                         "Use self-normalized weights for long texts.");

        var dEff = logRatio;
        if (explicitClipped + guardClipped > 0)
        {
            var ceilingT = tensor(ceiling, ScalarType.Float64, logRatio.device);
            dEff = where(logRatio > ceilingT, ceilingT, logRatio);
        }

        if (groups != null)
        {
            diagnostics = WeightDiagnostics.FromGroupedLogWeights(clippedD, groups, explicitClipped + guardClipped);
            Tensor? sum = null;
            foreach (var g in groups)
            {
                using var idx = tensor(g, ScalarType.Int64, logRatio.device);
                var dg = dEff.index_select(0, idx);
                var ag = a.index_select(0, idx);
                var term = ht ? ((dg - Math.Log(g.Length)).exp() * ag).sum() : (dg.softmax(0) * ag).sum();
                sum = sum is null ? term : sum + term;
            }
            return sum! / (double)groups.Count;
        }
        diagnostics = WeightDiagnostics.FromLogWeights(clippedD, explicitClipped + guardClipped);

        if (!ht)
        {
            // Σ_k w_k a_k with w = softmax(d): a convex combination, stable for any finite d.
            return (dEff.softmax(0) * a).sum();
        }
        // (1/K) Σ_k exp(d_k) a_k, with the 1/K folded into the exponent so the running sum cannot overflow.
        return ((dEff - Math.Log(k)).exp() * a).sum();
    }

    /// <summary>Checks a 1-D tensor of the expected length and returns it as float64 (a new handle, graph kept).</summary>
    static Tensor Vector(Tensor? t, string name, string meaning, ObjectiveKind kind, long? length)
    {
        if (t is null)
            throw new ArgumentException($"{kind} needs {name} ({meaning}); it is null.", nameof(t));
        if (t.dim() != 1)
            throw new ArgumentException(
                $"{name} ({meaning}) must be a 1-D tensor with one entry per row; got shape [{string.Join(", ", t.shape)}].", nameof(t));
        if (t.shape[0] == 0)
            throw new ArgumentException($"{name} ({meaning}) is empty; the {kind} objective needs at least one row.", nameof(t));
        if (length is long len && t.shape[0] != len)
            throw new ArgumentException(
                $"{name} ({meaning}) has {t.shape[0]} entries but {len} were expected (one per row of the same set).", nameof(t));
        return t.dtype == ScalarType.Float64 ? t.alias() : t.to_type(ScalarType.Float64);
    }
}
