using CausalPreference.Causal;
using CausalPreference.Models;
using CausalPreference.Text;
using static TorchSharp.torch;

namespace CausalPreference.Training;

/// <summary>
/// Inputs of a causal objective, all precomputed except the policy's own scores:
/// labeled rows (X_i, oriented Y_i, log P̂^R(X_i), ĝ(X_i)) and unlabeled samples (X̃_j, log P^{f0}(X̃_j), ĝ(X̃_j)).
/// Outcomes and predictions are oriented (larger is better). m = number of X̃ need not equal n.
/// </summary>
/// <remarks><see cref="Groups"/>: the experiment index of each labeled row (0..G−1), or null. With groups the labeled
/// weights are normalized within each experiment (<see cref="ObjectiveInputs.Groups"/>), a step is made of whole
/// experiments (the batch size counts experiments), and <see cref="ReferenceLogp"/> is log P̂^R(X_i | experiment) =
/// ℓ^FT(X_i) + <see cref="DesignLogp"/>: the overlap-aware anchor then watches ℓ^f − ℓ^FT, the policy's drift from FT
/// on the data's texts, which the within-experiment weights alone cannot show (they sum to one in every experiment).</remarks>
public sealed record CausalData(
    IReadOnlyList<string> Texts, IReadOnlyList<string?>? Prompts, double[] Outcome, double[] ReferenceLogp, double[]? OutcomeHat,
    IReadOnlyList<string>? TildeTexts = null, IReadOnlyList<string?>? TildePrompts = null, double[]? F0LogpTilde = null, double[]? OutcomeHatTilde = null,
    int[]? Groups = null, double[]? DesignLogp = null)
{
    /// <summary>n, the labeled rows.</summary>
    public int N => Texts.Count;
    /// <summary>m, the X̃ samples (0 for CPO).</summary>
    public int M => TildeTexts?.Count ?? 0;

    /// <summary>The rows of each experiment, in order of first appearance (null without groups).</summary>
    public int[][]? GroupRows => Groups is null ? null : WithinExperimentValue.Experiments(Groups);
}

/// <summary>
/// Trains a policy (initialized from FT) on CPO, DR-CPO or OO-RLHF (the equations live in <see cref="Objectives"/>).
/// Each optimizer step takes a batch of labeled rows; the objective is self-normalized over that step's rows — the
/// normalization scope is one step's batch, as in the paper's code (batch 4). DR-CPO's step also takes X̃ samples,
/// chosen by <see cref="TildeIndices"/>: with self-normalized weights exactly as many as the step has rows (the two
/// terms must share one scope, see there), cycling through all m samples over the run; with Horvitz–Thompson weights a
/// proportional slice, so every X̃ is used once per epoch. OO-RLHF, which needs no labeled rows, iterates over X̃ in
/// batches of the batch size. After each epoch the same objective is evaluated on held-out rows
/// (eval mode, no gradient, normalized over the whole held-out set) and the best epoch is kept.
/// Per step the log records the value, and the effective sample size, largest weight, top-5% share and clipped
/// count of the weights.
/// </summary>
public static class CausalTrainer
{
    /// <summary>
    /// Version of what a causal training run computes, part of every run's settings fingerprint: bump it when a change
    /// alters the trained weights for the same data and settings, so that a finished or half-done run of the older
    /// method is never resumed or reused as if it were current (`train` then asks to force a restart or to write elsewhere; the
    /// pipeline reruns the stage). 2: DR-CPO's X̃ per step equals its rows per step (<see cref="TildeIndices"/>).
    /// </summary>
    public const string MethodVersion = "3";

    /// <summary>
    /// Trains the policy. With <paramref name="overlap"/> enabled (see <see cref="OverlapOptions"/>) the likelihood anchor's
    /// λ is adapted during training (the fixed <see cref="ObjectiveOptions.AnchorWeight"/> is then ignored), and when
    /// <paramref name="certify"/> is given, every validation pass computes the held-out certificate of the current policy
    /// and the checkpoint with the highest lower bound is kept (instead of the highest validation V̂).
    /// </summary>
    public static TrainResult Train(CausalLM policy, ITokenizer tok, ObjectiveKind kind, CausalData train, CausalData? validation,
        ObjectiveOptions objective, TrainerOptions opts, string outDir, string fingerprint,
        IProgress<TrainingProgress>? progress = null, CancellationToken ct = default, long stopAfterSteps = long.MaxValue,
        bool restartOnSettingsChange = false, OverlapOptions? overlap = null, Func<ImprovementCertificate>? certify = null)
    {
        overlap ??= OverlapOptions.PaperExact;
        overlap.Validate();
        var controller = overlap.Enabled ? new AnchorController(overlap) : null;
        Check(kind, train, "training");
        if (validation != null) Check(kind, validation, "validation");
        bool labeledItems = kind != ObjectiveKind.OoRlhf;
        var groupRows = labeledItems ? train.GroupRows : null; // with experiments, a step's items are whole experiments
        int items = groupRows?.Length ?? (labeledItems ? train.N : train.M);
        int tildePerStep = groupRows is null ? opts.BatchSize : (int)Math.Ceiling((double)train.N / groupRows.Length * opts.BatchSize);
        int batchesPerEpoch = (items + opts.BatchSize - 1) / opts.BatchSize;
        bool selfNormalized = objective.Normalization == WeightNormalization.SelfNormalized;
        int ctx = policy.Config.ContextLength;

        StepOutput Step(StepContext c)
        {
            var metrics = new Dictionary<string, double>();
            ObjectiveInputs inputs;
            long tokens = 0;
            Tensor? anchor = null; // the likelihood anchor's NLL per token, on the step's own texts (ObjectiveOptions.AnchorWeight)
            double anchorWeight = controller?.Weight ?? objective.AnchorWeight;
            double[] stepLogRatios;
            int[]? stepGroups = null, stepRows = null;
            if (kind == ObjectiveKind.OoRlhf)
            {
                var (lp, t) = PolicyLogp(policy, tok, train.TildeTexts!, train.TildePrompts, c.Indices, ctx);
                tokens += t;
                if (anchorWeight > 0) anchor = Objectives.LikelihoodAnchor(lp, t);
                stepLogRatios = LogRatios(lp, train.F0LogpTilde!, c.Indices);
                inputs = ObjectiveInputs.ForOoRlhf(lp, Pick(train.F0LogpTilde!, c.Indices), Pick(train.OutcomeHatTilde!, c.Indices));
            }
            else
            {
                var rows = groupRows is null ? c.Indices : c.Indices.SelectMany(g => groupRows[g]).ToArray();
                stepGroups = groupRows is null ? null : rows.Select(i => train.Groups![i]).ToArray();
                stepRows = rows;
                var (lp, t) = PolicyLogp(policy, tok, train.Texts, train.Prompts, rows, ctx);
                tokens += t;
                if (anchorWeight > 0) anchor = Objectives.LikelihoodAnchor(lp, t);
                stepLogRatios = LogRatios(lp, train.ReferenceLogp, rows);
                Tensor? lpT = null, f0 = null, gT = null;
                if (kind == ObjectiveKind.DrCpo)
                {
                    var tIdx = TildeIndices(train.M, rows.Length, tildePerStep, selfNormalized, opts.Seed, c.Epoch, c.Batch, c.BatchesPerEpoch);
                    var (lpt, tt) = PolicyLogp(policy, tok, train.TildeTexts!, train.TildePrompts, tIdx, ctx);
                    tokens += tt;
                    (lpT, f0, gT) = (lpt, Pick(train.F0LogpTilde!, tIdx), Pick(train.OutcomeHatTilde!, tIdx));
                }
                inputs = new ObjectiveInputs(lp, Pick(train.ReferenceLogp, rows), Pick(train.Outcome, rows),
                    train.OutcomeHat is null ? null : Pick(train.OutcomeHat, rows), lpT, f0, gT, stepGroups);
            }
            var r = Objectives.Compute(kind, inputs, objective);
            metrics["value"] = r.Value.item<double>();
            AddDiagnostics(metrics, r.LabeledWeights ?? r.UnlabeledWeights, "");
            if (r.LabeledWeights != null && r.UnlabeledWeights != null) AddDiagnostics(metrics, r.UnlabeledWeights, "tilde_");
            if (controller != null)
            {
                metrics["anchor_weight"] = anchorWeight;
                controller.Observe(train.DesignLogp is { } dl && stepRows != null ? stepLogRatios.Select((v, k) => v + dl[stepRows![k]]).ToArray() : stepLogRatios);
                if (double.IsFinite(controller.LastWindowEssFraction)) metrics["window_ess_fraction"] = controller.LastWindowEssFraction;
                if (overlap.MinRetainedMass > 0 && double.IsFinite(controller.LastWindowRetainedMass)) metrics["window_retained_mass"] = controller.LastWindowRetainedMass;
            }
            if (anchor is null) return new StepOutput(r.Loss, tokens, metrics);
            metrics["anchor_nll"] = anchor.item<double>();
            return new StepOutput(r.Loss + anchorWeight * anchor, tokens, metrics);
        }

        Func<EvalOutput>? eval = validation is null ? null : () => Evaluate(policy, tok, kind, validation, objective);
        if (eval != null && overlap.Enabled && certify != null)
        {
            var plain = eval;
            eval = () =>
            {
                var ev = plain();
                var cert = certify();
                var metrics = new Dictionary<string, double>(ev.Metrics ?? new Dictionary<string, double>())
                {
                    ["selection_improvement"] = cert.Improvement, ["selection_lower_bound"] = cert.Lower, ["selection_ess_fraction"] = cert.EssFraction,
                    ["selection_estimable"] = cert.Estimable ? 1 : 0, ["selection_rows"] = cert.Rows,
                };
                // the checkpoint with the highest lower bound is kept (the loop keeps the lowest loss); one that rests on too few rows is never preferred
                double loss = cert.Estimable ? -cert.Lower : 1e9 - cert.EssFraction;
                // a policy that left the data's texts (OverlapOptions.MinRetainedMass) is kept only if every candidate did, the least leaking first
                if (overlap.MinRetainedMass > 0 && !(cert.RetainedMass >= overlap.MinRetainedMass)) loss = 1e8 - (cert.RetainedMass ?? 0);
                if (cert.RetainedMass is double kept && double.IsFinite(kept)) metrics["selection_retained_mass"] = kept;
                return new EvalOutput(loss, metrics);
            };
        }
        var carry = controller is null ? null : new TrainCarry(controller.Save, controller.Load);
        return TrainLoop.Run(policy, tok, items, Step, eval, opts, outDir, fingerprint + "|method " + MethodVersion + "|overlap " + overlap, progress, ct, stopAfterSteps: stopAfterSteps,
            restartOnSettingsChange: restartOnSettingsChange, carry: carry);
    }

    static double[] LogRatios(Tensor policyLogp, double[] reference, int[] idx)
    {
        var lp = policyLogp.detach().to(ScalarType.Float64).cpu().data<double>().ToArray();
        return lp.Select((v, k) => v - reference[idx[k]]).ToArray();
    }

    /// <summary>
    /// Which X̃ samples DR-CPO's step <paramref name="batch"/> of epoch <paramref name="epoch"/> uses, given that it has
    /// <paramref name="rowsInStep"/> labeled rows.
    /// <para>
    /// Self-normalized weights: exactly <paramref name="rowsInStep"/> samples. Why: the gradient of a self-normalized
    /// average over k items, Σ w (a − V̂) ∇ℓ, is in expectation (1 − 1/k) times the population covariance of a and ∇ℓ
    /// (near uniform weights). DR-CPO's ĝ enters the IPW term as −ĝ(X_i) and the X̃ term as +ĝ(X̃_j); the two cancel in
    /// expectation — which is what makes DR-CPO survive a wrong ĝ — only when both averages have the same k. With
    /// 2 × as many X̃ as rows per step (m = 2n spread over an epoch) a residual (1/k_rows − 1/k_tilde) · Cov(∇ℓ, ĝ)
    /// pushes the policy towards what ĝ likes: on the built-in world (demo seed 6), DR-CPO with a confounded ĝ fell from
    /// 3.48 (FT) to 3.01 with 8 X̃ per 4 rows; with 4 per 4 it gave 3.33, and 4.03 with another draw of X̃ (with a
    /// wrong ĝ the correction is unbiased but noisy). The samples cycle through all m over the run (one fresh
    /// permutation per pass), so m ≫ n still adds samples, over more steps.
    /// </para>
    /// Horvitz–Thompson weights: each term is an unbiased mean whatever its size, so the step takes a proportional
    /// slice of a per-epoch permutation (every X̃ once per epoch).
    /// </summary>
    public static int[] TildeIndices(int m, int rowsInStep, int batchSize, bool selfNormalized, long seed, int epoch, int batch, int batchesPerEpoch)
    {
        if (m < 1) throw new ArgumentException("there are no X̃ samples");
        if (!selfNormalized)
        {
            int perStep = (m + batchesPerEpoch - 1) / batchesPerEpoch;
            var perm = TrainLoop.Permutation(m, seed + 7919, epoch);
            var idx = perm.Skip(batch * perStep).Take(perStep).ToArray();
            return idx.Length > 0 ? idx : perm.Take(Math.Max(1, perStep)).ToArray();
        }
        int k = Math.Clamp(batchSize, 1, m);
        int blocks = m / k;                                   // whole blocks of k per pass (a short tail waits for the next pass)
        long step = (long)epoch * batchesPerEpoch + batch;
        int pass = (int)(step / blocks), block = (int)(step % blocks);
        // a short last batch of an epoch takes as many samples as it has rows, from its block
        return TrainLoop.Permutation(m, seed + 7919, 1_000_000 + pass).Skip(block * k).Take(Math.Clamp(rowsInStep, 1, k)).ToArray();
    }

    /// <summary>The objective on a whole data set (eval mode, no gradient); Loss = −V̂, with weight diagnostics as metrics.</summary>
    public static EvalOutput Evaluate(CausalLM policy, ITokenizer tok, ObjectiveKind kind, CausalData data, ObjectiveOptions objective)
    {
        using var scope = NewDisposeScope();
        double[]? lp = kind == ObjectiveKind.OoRlhf ? null : SequenceScorer.Score(policy, tok, data.Texts, data.Prompts);
        double[]? lpT = kind == ObjectiveKind.Cpo ? null : SequenceScorer.Score(policy, tok, data.TildeTexts!, data.TildePrompts);
        ObjectiveInputs inputs = kind == ObjectiveKind.OoRlhf
            ? ObjectiveInputs.ForOoRlhf(tensor(lpT!), tensor(data.F0LogpTilde!), tensor(data.OutcomeHatTilde!))
            : new ObjectiveInputs(tensor(lp!), tensor(data.ReferenceLogp), tensor(data.Outcome),
                data.OutcomeHat is null ? null : tensor(data.OutcomeHat),
                lpT is null ? null : tensor(lpT), kind == ObjectiveKind.Cpo ? null : tensor(data.F0LogpTilde!),
                kind == ObjectiveKind.Cpo ? null : tensor(data.OutcomeHatTilde!), data.Groups);
        using var _ = no_grad();
        var r = Objectives.Compute(kind, inputs, objective);
        var metrics = new Dictionary<string, double> { ["value"] = r.Value.item<double>() };
        AddDiagnostics(metrics, r.LabeledWeights ?? r.UnlabeledWeights, "");
        return new EvalOutput(-metrics["value"], metrics);
    }

    static void AddDiagnostics(Dictionary<string, double> m, WeightDiagnostics? d, string prefix)
    {
        if (d is null) return;
        m[prefix + "ess"] = d.Ess;
        m[prefix + "ess_fraction"] = d.EssFraction;
        m[prefix + "max_weight"] = d.MaxNormalizedWeight;
        m[prefix + "top5_share"] = d.Top5PercentShare;
        m[prefix + "clipped"] = d.ClippedCount;
        m[prefix + "log_ratio_min"] = d.LogWeightMin;
        m[prefix + "log_ratio_max"] = d.LogWeightMax;
    }

    static (Tensor lp, long tokens) PolicyLogp(CausalLM policy, ITokenizer tok, IReadOnlyList<string> texts, IReadOnlyList<string?>? prompts, int[] idx, int ctx)
    {
        using var batch = TokenBatch.Create(tok, idx.Select(i => texts[i]).ToArray(), ctx, policy.Device,
            prompts is null ? null : idx.Select(i => prompts[i]).ToArray());
        var lp = SequenceScorer.LogProb(policy, batch);
        // Accumulated in float64, but handed to the objective in the model's own dtype: the objective's overflow guard for
        // Horvitz–Thompson weights picks its ceiling from this dtype, and the gradient flows back into a model of that dtype.
        var dtype = policy.parameters().First().dtype;
        if (dtype != ScalarType.Float64) lp = lp.to(dtype);
        return (lp, (long)batch.TargetMask.sum().item<float>());
    }

    static Tensor Pick(double[] values, int[] idx) => tensor(idx.Select(i => values[i]).ToArray());

    static void Check(ObjectiveKind kind, CausalData d, string what)
    {
        void Len(double[]? a, int n, string name)
        {
            if (a is null) throw new ArgumentException($"{kind} needs {name} on the {what} data");
            if (a.Length != n) throw new ArgumentException($"{name} has {a.Length} entries for {n} {what} rows");
        }
        if (kind != ObjectiveKind.OoRlhf)
        {
            if (d.N == 0) throw new IO.InputException($"{kind} needs labeled {what} rows; there are none");
            Len(d.Outcome, d.N, "outcomes");
            Len(d.ReferenceLogp, d.N, "reference log-probabilities");
        }
        if (kind == ObjectiveKind.DrCpo) Len(d.OutcomeHat, d.N, "outcome-model predictions ĝ(X)");
        if (kind != ObjectiveKind.Cpo)
        {
            if (d.M == 0) throw new IO.InputException($"{kind} needs unlabeled samples X̃ from f0 ({what}); there are none");
            Len(d.F0LogpTilde, d.M, "f0 log-probabilities of X̃");
            Len(d.OutcomeHatTilde, d.M, "outcome-model predictions ĝ(X̃)");
        }
    }
}
