using System.Text.Json;
using CausalPreference.Causal;
using CausalPreference.Data;
using CausalPreference.IO;
using CausalPreference.Models;
using CausalPreference.Training;
using TorchSharp;

namespace CausalPreference.Pipeline;

/// <summary>Everything one causal training run needs.</summary>
/// <param name="Data">The labeled rows (split into training and validation rows by the run).</param>
/// <param name="ModelPath">The FT model: the policy's starting point, f0 by default, and P̂^R without design probabilities.</param>
/// <param name="OutcomeModelDir">A saved ĝ (null: a lexical model cross-fitted on the training rows).</param>
/// <param name="Objective">CPO, DR-CPO or OO-RLHF.</param>
/// <param name="Options">Every training setting (<see cref="CausalTrainingOptions"/>).</param>
/// <param name="OutDir">Output folder: the trained model, run.json, train_log.jsonl.</param>
/// <param name="CacheDir">Folder of the cached reference scores and X̃ samples.</param>
public sealed record CausalRunRequest(DirectOutcomeDataset Data, string ModelPath, ObjectiveKind Objective, string? OutcomeModelDir,
    CausalTrainingOptions Options, string OutDir, string CacheDir)
{
    /// <summary>A table of X̃ samples (text, logprob, optional prompt); null: sample them from <see cref="F0Path"/>.</summary>
    public string? UnlabeledFile { get; init; }
    /// <summary>The model X̃ is sampled from (null: <see cref="ModelPath"/>).</summary>
    public string? F0Path { get; init; }
    /// <summary>Where the model runs (null: the CPU, or the device the caller already chose).</summary>
    public torch.Device? Device { get; init; }
    /// <summary>Receives training progress (steps, loss, rate) for a progress bar; null: none.</summary>
    public IProgress<TrainingProgress>? Progress { get; init; }
    /// <summary>Start over (instead of refusing) when the folder holds a run with other settings (the demo, the pipeline).</summary>
    public bool RestartOnSettingsChange { get; init; }
    /// <summary>A progress sink for each long task (label, total items).</summary>
    public Func<string, int, IProgress<int>>? TaskProgress { get; init; }

    /// <summary>Whether the weights are normalized within experiments: as asked, else whenever the data has a group column.</summary>
    public bool EffectiveWithinExperiments => Options.WithinExperiments ?? Data.Spec.GroupColumn != null;
}

/// <summary>What a run reports (also written to OUT/run.json).</summary>
public sealed record CausalRunSummary(
    string Objective, string Model, int TrainRows, int ValidationRows, int UnlabeledTrain, int UnlabeledValidation,
    string ReferenceSource, string? OutcomeModel, double? OutcomeModelR2, double? OutcomeModelAuc,
    int BestEpoch, double BestValidationValue, double? ValidationEssFraction, long Steps, bool Resumed, string Normalization, int BatchSize,
    bool OverlapAware = false, long BestStep = 0, double? FinalAnchorWeight = null, ImprovementCertificate? Certificate = null,
    string Certified = "", IReadOnlyList<string>? Alarms = null, string Weighting = "pooled", int TrainExperiments = 0, int ValidationExperiments = 0,
    double? MedianStepEssFraction = null);

/// <summary>
/// One causal training run, from a direct-outcome dataset to a trained model: split (<see cref="DirectOutcomeDataset.ValidationSplitSeed"/>), reference
/// log-probabilities (design probabilities if given, else the frozen FT model's, cached), ĝ (saved or cross-fitted),
/// X̃ (given or sampled from f0, cached), then <see cref="CausalTrainer"/>.
/// </summary>
public static class CausalRun
{
    /// <summary>How run.json is written and read: indented; a value that is not a finite number (an overflowed
    /// Horvitz–Thompson value, a bound with no rows) is written as "NaN" / "Infinity" instead of failing the run.</summary>
    public static readonly JsonSerializerOptions RunJson = new()
    {
        WriteIndented = true,
        NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    /// <summary>Runs one causal training end to end (reference log-probabilities, X̃ samples, ĝ, training, certificate)
    /// and writes the model, run.json and a model card into the request's output folder; resumes an interrupted run.</summary>
    /// <param name="r">What to train and where.</param>
    /// <param name="log">Receives one line per stage (what was used, what was found).</param>
    /// <exception cref="IO.InputException">Bad data, model or settings; the message names the file and what to do.</exception>
    public static CausalRunSummary Execute(CausalRunRequest r, TextWriter log)
    {
        var ds = r.Data;
        if (!ds.HasOutcome) throw new InputException("training needs an outcome column", ds.Spec.Path);
        bool within = r.EffectiveWithinExperiments;
        if (within && ds.Spec.GroupColumn is null)
            throw new InputException("weighting within experiments needs the experiment id of every row: name its column (the group column)", ds.Spec.Path);
        var o = r.Options.Validated();
        var (trainDs, valDs) = ds.Split(o.ValidationFraction, DirectOutcomeDataset.ValidationSplitSeed);
        using var loaded = LoadedModel.Open(r.ModelPath, r.Device);
        var (model, tok) = loaded;
        var trainTexts = trainDs.Rows.Select(x => x.Text).ToArray();
        var valTexts = valDs.Rows.Select(x => x.Text).ToArray();
        if (Models.ContextFit.Warning(tok, ds.Rows, model.Config.ContextLength, ds.Spec.Path,
                "their log-probabilities are those of a prefix, so their importance weights are wrong") is { } overlong)
            log.WriteLine(overlong);
        bool hasPrompts = ds.Spec.PromptColumn != null;
        var trainPrompts = hasPrompts ? trainDs.Rows.Select(x => x.Prompt).ToArray() : null;
        var valPrompts = hasPrompts ? valDs.Rows.Select(x => x.Prompt).ToArray() : null;

        // 1. log P̂^R(X_i): design probabilities when known, else the frozen FT model (the policy's starting point)
        double[] refTrain, refVal;
        double[]? ftValWithin = null, designTrain = null;
        string refSource;
        bool refFromModel = ds.Spec.LogPropensityColumn == null || o.ReferenceFromModel;
        double[]? designVal = ds.Spec.LogPropensityColumn != null ? valDs.Rows.Select(x => x.LogPropensity!.Value).ToArray() : null;
        int[]? groupsTrain = within ? WithinExperimentValue.Index(trainDs.Rows.Select(x => x.Group)) : null, groupsVal = within ? WithinExperimentValue.Index(valDs.Rows.Select(x => x.Group)) : null;
        if (within)
        {
            // within experiments: log P̂^R(X | e) = ℓ^FT(X) + log P^R(row | e) — the experiment's own allocation, tilted by how much
            // more the policy likes each tested text than FT does (docs/within-experiment.md). Design column: log P^R(row | e) up to
            // a constant per experiment; none: 1/k_e (one row per tested text).
            bool c1, c2;
            (refTrain, c1) = ReferenceTable.Get(r.ModelPath, model, tok, trainTexts, trainPrompts, r.CacheDir, r.TaskProgress?.Invoke("reference log-probs (train)", trainTexts.Length));
            (refVal, c2) = ReferenceTable.Get(r.ModelPath, model, tok, valTexts, valPrompts, r.CacheDir, r.TaskProgress?.Invoke("reference log-probs (validation)", valTexts.Length));
            var ftValCopy = refVal.ToArray();
            designVal = ds.Spec.LogPropensityColumn != null ? designVal : WithinExperimentValue.ArmUniform(groupsVal!);
            designTrain = ds.Spec.LogPropensityColumn != null ? trainDs.Rows.Select(x => x.LogPropensity!.Value).ToArray() : WithinExperimentValue.ArmUniform(groupsTrain!);
            refTrain = refTrain.Select((v, i) => v + designTrain[i]).ToArray();
            refVal = refVal.Select((v, i) => v + designVal[i]).ToArray();
            refSource = $"within experiments of '{ds.Spec.GroupColumn}': FT model {r.ModelPath} ({(c1 && c2 ? "cached" : "computed")}) × " +
                        (ds.Spec.LogPropensityColumn != null ? $"design probabilities from column '{ds.Spec.LogPropensityColumn}'" : "1/k per experiment");
            ftValWithin = ftValCopy;
        }
        else if (!refFromModel)
        {
            refTrain = trainDs.Rows.Select(x => x.LogPropensity!.Value).ToArray();
            refVal = valDs.Rows.Select(x => x.LogPropensity!.Value).ToArray();
            refSource = $"design probabilities from column '{ds.Spec.LogPropensityColumn}'";
        }
        else
        {
            bool c1, c2;
            (refTrain, c1) = ReferenceTable.Get(r.ModelPath, model, tok, trainTexts, trainPrompts, r.CacheDir, r.TaskProgress?.Invoke("reference log-probs (train)", trainTexts.Length));
            (refVal, c2) = ReferenceTable.Get(r.ModelPath, model, tok, valTexts, valPrompts, r.CacheDir, r.TaskProgress?.Invoke("reference log-probs (validation)", valTexts.Length));
            refSource = $"FT model {r.ModelPath} ({(c1 && c2 ? "cached" : "computed")})";
        }
        log.WriteLine($"reference log P̂^R: {refSource}");

        // 2. X̃ ~ f0 with log P^{f0}(X̃)
        string[] tTexts = Array.Empty<string>(); string?[]? tPrompts = null; double[] tLogp = Array.Empty<double>();
        if (r.Objective != ObjectiveKind.Cpo)
        {
            if (r.UnlabeledFile != null)
            {
                var u = DirectOutcomeDataset.Load(new DatasetSpec(r.UnlabeledFile, "text") { OutcomeColumn = "logprob", Kind = OutcomeKind.Continuous, PromptColumn = PromptColumnOf(r.UnlabeledFile) });
                tTexts = u.Rows.Select(x => x.Text).ToArray();
                tPrompts = u.Spec.PromptColumn is null ? null : u.Rows.Select(x => x.Prompt).ToArray();
                tLogp = u.Rows.Select(x => x.Outcome).ToArray();
                if (tLogp.Any(v => v > 0)) throw new InputException("the logprob column of the unlabeled samples has positive values; it must be log P^f0(text) ≤ 0", r.UnlabeledFile, column: "logprob");
                log.WriteLine($"X̃: {tTexts.Length} samples from {r.UnlabeledFile}");
            }
            else
            {
                var f0Path = r.F0Path ?? r.ModelPath;
                using var f0Loaded = f0Path == r.ModelPath ? null : LoadedModel.Open(f0Path, r.Device);
                var (f0, f0Tok) = f0Loaded ?? loaded;
                if (f0Tok.Kind != tok.Kind) throw new InputException($"f0 uses tokenizer '{f0Tok.Kind}' but the policy '{tok.Kind}'; X̃ must be scored consistently", f0Path);
                int m = o.M > 0 ? o.M : 2 * trainDs.Rows.Count;
                var (set, cached) = UnlabeledSamples.Get(f0Path, f0, f0Tok, m, trainPrompts, new SamplerSettings { Seed = o.Trainer.Seed }, r.CacheDir,
                    r.TaskProgress?.Invoke("sampling X̃ from f0", m));
                (tTexts, tPrompts, tLogp) = (set.Texts, set.Prompts, set.F0Logp);
                log.WriteLine($"X̃: {m} samples from f0 = {f0Path} ({(cached ? "cached" : "sampled")}, pure ancestral sampling{(set.NonCanonical > 0 ? $", {set.NonCanonical} non-canonical" : "")})");
            }
        }

        // 3. ĝ on Y's scale, then oriented so that larger is better
        OutcomePredictions.Result? g = null;
        if (r.Objective != ObjectiveKind.Cpo)
        {
            g = OutcomePredictions.Get(trainDs, valDs, tTexts, r.OutcomeModelDir, o.Folds, o.Trainer.Seed);
            log.WriteLine($"outcome model ĝ: {g.Source}{(g.R2 is double r2 ? $", out-of-fold R² {r2:F3}" : "")}{(g.Auc is double auc ? $", out-of-fold AUC {auc:F3}" : "")}");
        }
        double sign = ds.Spec.HigherIsBetter ? 1 : -1;
        double[]? Orient(double[]? a) => a?.Select(v => sign * v).ToArray();
        int mTrain = (int)Math.Round(tTexts.Length * (1 - o.ValidationFraction));
        if (tTexts.Length > 0) mTrain = Math.Clamp(mTrain, 1, Math.Max(1, tTexts.Length - 1));
        T[] Head<T>(T[] a) => a.Take(mTrain).ToArray();
        T[] Tail<T>(T[] a) => a.Skip(mTrain).ToArray();
        var trainData = new CausalData(trainTexts, trainPrompts, trainDs.Rows.Select(x => x.OrientedOutcome).ToArray(), refTrain, Orient(g?.Train),
            Head(tTexts), tPrompts is null ? null : Head(tPrompts), Head(tLogp), g is null ? null : Orient(Head(g.Tilde)), groupsTrain, designTrain);
        var valData = new CausalData(valTexts, valPrompts, valDs.Rows.Select(x => x.OrientedOutcome).ToArray(), refVal, Orient(g?.Validation),
            Tail(tTexts), tPrompts is null ? null : Tail(tPrompts), Tail(tLogp), g is null ? null : Orient(Tail(g.Tilde)), groupsVal, within ? designVal : null);
        if (within)
            log.WriteLine($"weights: normalized within each experiment ({trainData.GroupRows!.Length} training / {valData.GroupRows!.Length} held-out experiments" +
                          $"{(trainData.GroupRows.Count(x => x.Length < 2) is int single and > 0 ? $"; {single} with one row, which carry no contrast" : "")}); a step takes {o.Trainer.BatchSize} whole experiments");

        // 4. the held-out certificate's inputs: FT's log-probabilities of the validation rows (the policy before training),
        //    the selection / certification halves, and the floor assumed for text outside the data's support
        var overlap = o.Overlap;
        if (within && overlap.Enabled && overlap.MinRetainedMass == 0) overlap = overlap with { MinRetainedMass = 0.8 }; // see OverlapOptions.MinRetainedMass
        var ftVal = ftValWithin ?? (refFromModel ? refVal : Models.SequenceScorer.Score(model, tok, valTexts, valPrompts));
        double floor = o.OutcomeFloor is double fl ? sign * fl : trainData.Outcome.Min();
        var (selIdx, certIdx) = within ? CertificateHalves(groupsVal!, overlap.SelectionFraction, o.Trainer.Seed) : CertificateHalves(valData.N, overlap.SelectionFraction, o.Trainer.Seed);
        ImprovementCertificate? Certify(int[] idx)
        {
            if (idx.Length < 2 || valData.N == 0) return null;
            var texts = idx.Select(i => valTexts[i]).ToArray();
            var lp = Models.SequenceScorer.Score(model, tok, texts, valPrompts is null ? null : idx.Select(i => valPrompts[i]).ToArray());
            var ft = idx.Select(i => ftVal[i]).ToArray();
            var y = idx.Select(i => valData.Outcome[i]).ToArray();
            if (within)
                return ImprovementCertificate.ComputeWithinExperiments(lp, ft, idx.Select(i => designVal![i]).ToArray(), y, idx.Select(i => groupsVal![i]).ToArray());
            return ImprovementCertificate.Compute(lp, ft, designVal is null ? null : idx.Select(i => designVal[i]).ToArray(), y, floor);
        }
        var trainer = o.Trainer;
        if (overlap.Enabled)
        {
            int items = r.Objective == ObjectiveKind.OoRlhf ? trainData.M : trainData.N;
            long total = (long)((items + trainer.BatchSize - 1) / trainer.BatchSize) * trainer.Epochs;
            trainer = trainer with { EvaluateEvery = (int)Math.Max(1, total / overlap.Evaluations) };
        }

        if (o.Lora is { } lora)
        {
            int layers = LoraAdapters.Attach(model, lora);
            log.WriteLine($"LoRA: r {lora.Rank}, alpha {lora.Alpha}, dropout {lora.Dropout} on {layers} layers (base frozen)");
        }
        var fp = Fingerprint.Of("causal-train", o.Lora?.ToString(), r.Objective.ToString(), ds.Fingerprint(), Fingerprint.OfModel(r.ModelPath), r.OutcomeModelDir ?? "crossfit",
            Fingerprint.OfTexts(tTexts), o.Objective.ToString(), trainer.ToString(), o.ValidationFraction.ToString("R"),
            refFromModel ? "ref:model" : "ref:design", floor.ToString("R"), within ? "within:" + ds.Spec.GroupColumn : "pooled");
        var result = CausalTrainer.Train(model, tok, r.Objective, trainData, valData, o.Objective, trainer, r.OutDir, fp, r.Progress,
            restartOnSettingsChange: r.RestartOnSettingsChange, overlap: overlap, certify: selIdx.Length >= 2 ? () => Certify(selIdx)! : null);

        // 5. what the run can certify, on the half of the held-out rows that did not choose the checkpoint, and its alarms
        var cert = Certify(certIdx);
        string certified = cert?.Statement ?? "no certified improvement: too few held-out rows to certify (raise the validation fraction)";
        if (cert != null && !overlap.Enabled)
            certified += "; the paper-exact run chose its epoch by the validation V̂, which saw these rows";
        if (cert != null && within && cert.RetainedMass < overlap.MinRetainedMass)
            certified += $"; the policy keeps only {cert.RetainedMass:P0} of FT's probability on the held-out texts: it writes other texts, which a within-experiment estimate does not value";
        if (cert != null && !cert.DesignProbabilities && !within)
            certified += "; P^R estimated by the FT model (no design probabilities)";
        log.WriteLine(certified);
        var steps = TrainingAlarms.ReadLog(Path.Combine(r.OutDir, "train_log.jsonl"));
        var alarms = TrainingAlarms.FromSteps(steps).Concat(TrainingAlarms.FromSelection(result.Epochs, result.BestStep)).ToList();
        foreach (var a in alarms) log.WriteLine("ALARM: " + a);
        var best = result.Epochs.LastOrDefault(e => e.TryGetValue("step", out var st) && st == result.BestStep)
                   ?? result.Epochs.LastOrDefault(e => e["epoch"] == result.BestEpoch);
        // λ at the kept checkpoint: the last value logged at or before its step
        double? finalLambda = overlap.Enabled
            ? steps.LastOrDefault(s => s.TryGetValue("step", out var st) && st <= result.BestStep && s.TryGetValue("anchor_weight", out var w) && w is not null)?["anchor_weight"]
            : null;
        var summary = new CausalRunSummary(Name(r.Objective), r.ModelPath, trainData.N, valData.N, trainData.M, valData.M, refSource,
            g?.Source, g?.R2, g?.Auc, result.BestEpoch, best != null && best.TryGetValue("validation_value", out var vv) ? vv : -result.BestValidationLoss,
            best != null && best.TryGetValue("validation_ess_fraction", out var ess) ? ess : null,
            result.Steps, result.Resumed, o.Normalization.ToString(), o.Trainer.BatchSize,
            overlap.Enabled, result.BestStep, finalLambda, cert, certified, alarms, within ? "within-experiment" : "pooled",
            trainData.GroupRows?.Length ?? 0, valData.GroupRows?.Length ?? 0, MedianStepEss(steps));
        AtomicFile.WriteAllText(Path.Combine(r.OutDir, "run.json"), JsonSerializer.Serialize(summary, RunJson));
        ModelCard.WriteInto(r.OutDir, model.Config, tok, ModelSource.NameOf(r.ModelPath), $"{ds.Spec.Describe()}, {ds.Rows.Count} rows");
        return summary;
    }

    /// <summary>The median over training steps of the labeled weights' ESS fraction (null when none was logged).</summary>
    static double? MedianStepEss(IReadOnlyList<IReadOnlyDictionary<string, double?>> steps)
    {
        var v = steps.Select(s => s.TryGetValue("ess_fraction", out var e) ? e : null).OfType<double>().OrderBy(x => x).ToArray();
        return v.Length == 0 ? null : v.Length % 2 == 1 ? v[v.Length / 2] : (v[v.Length / 2 - 1] + v[v.Length / 2]) / 2;
    }

    /// <summary>Whole experiments for each half: the experiments are split (seeded), each half takes all their rows.</summary>
    public static (int[] Selection, int[] Certification) CertificateHalves(int[] groups, double selectionFraction, long seed)
    {
        var ids = groups.Distinct().OrderBy(g => g).ToArray();
        var (sel, _) = CertificateHalves(ids.Length, selectionFraction, seed);
        var chosen = sel.Select(i => ids[i]).ToHashSet();
        var all = Enumerable.Range(0, groups.Length);
        return (all.Where(i => chosen.Contains(groups[i])).ToArray(), all.Where(i => !chosen.Contains(groups[i])).ToArray());
    }

    /// <summary>Added to the run's seed for the split of the held-out rows into selection and certification halves.</summary>
    public const long CertificateSeedOffset = 104729;

    /// <summary>The held-out rows that select the checkpoint and those that certify it: a seeded split of the validation rows.</summary>
    public static (int[] Selection, int[] Certification) CertificateHalves(int n, double selectionFraction, long seed)
    {
        var perm = TrainLoop.Permutation(n, seed + CertificateSeedOffset, 0);
        int k = (int)Math.Round(n * selectionFraction);
        return (perm.Take(k).OrderBy(i => i).ToArray(), perm.Skip(k).OrderBy(i => i).ToArray());
    }

    /// <summary>The objective's name as runs, tables and model cards spell it: cpo, dr-cpo, oo-rlhf.</summary>
    public static string Name(ObjectiveKind k) => k switch { ObjectiveKind.Cpo => "cpo", ObjectiveKind.DrCpo => "dr-cpo", _ => "oo-rlhf" };

    static string? PromptColumnOf(string file)
    {
        var t = TableReader.Read(file);
        return t.HasColumn("prompt") && Enumerable.Range(0, t.RowCount).Any(i => !string.IsNullOrEmpty(t.Get(i, "prompt"))) ? "prompt" : null;
    }
}
