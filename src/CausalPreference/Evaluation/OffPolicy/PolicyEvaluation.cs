using CausalPreference.Causal;
using CausalPreference.Data;
using CausalPreference.IO;
using CausalPreference.Models;
using CausalPreference.Evaluation.OffPolicy;
using CausalPreference.Outcome;
using CausalPreference.Pipeline;

namespace CausalPreference.Evaluation.OffPolicy;

/// <summary>
/// Off-policy evaluation of trained models on held-out direct-outcome data: for each model f, log P^f(X_i) of every
/// held-out row (cached), m texts X̃_j ~ f (pure ancestral sampling, cached) scored by the outcome model ĝ, and then
/// every estimator of <see cref="Estimators.All"/> (IPW, SNIPW, DM, DR, SNDR) with its 95% interval and importance-weight
/// diagnostics, plus each model's paired difference to a baseline model (<see cref="Estimators.Difference"/>).
/// <para>log P^R(X_i) is the data's design log-propensity when it has one, else the frozen logging (FT) model's
/// log-probability. ĝ is a saved outcome model, or by default the lexical model cross-fitted on the held-out rows:
/// out-of-fold ĝ(X_i) for the residuals, the all-rows model for ĝ(X̃_j). Values are on the outcome's raw scale.</para>
/// <para>All models share one sampler seed, so the same model given twice draws the same samples; the difference's
/// interval treats the two sample sets as independent, which is conservative when they are positively correlated.</para>
/// </summary>
public static class PolicyEvaluation
{
    /// <summary>Runs the evaluation; progress lines go to <paramref name="log"/>.</summary>
    /// <exception cref="InputException">Bad input: a missing model or outcome-model folder, no source of log P^R, bad names or baseline.</exception>
    /// <exception cref="PoorOverlapException">With <see cref="PolicyEvaluationRequest.RefuseOnPoorOverlap"/>, a model's ESS fraction is below the threshold.</exception>
    public static PolicyEvaluationResult Run(PolicyEvaluationRequest r, TextWriter log)
    {
        ArgumentNullException.ThrowIfNull(r);
        log ??= TextWriter.Null;
        var ds = r.Data;
        if (!ds.HasOutcome) throw new InputException("evaluation needs an outcome column (or clicks and impressions)", ds.Spec.Path);
        if (r.ModelPaths.Count == 0) throw new InputException("give at least one model to evaluate (`models` DIR ...)");
        if (r.PolicySamples < 0) throw new InputException($"the number of policy samples must be ≥ 0 (got {r.PolicySamples}); 0 skips DM, DR and SNDR");
        foreach (var p in r.ModelPaths)
            if (!File.Exists(p) && !Directory.Exists(p))
                throw new InputException("model folder not found; give a checkpoint folder written by causalpo (e.g. a train `out` folder) or a Hugging Face folder", p);
        var names = ResolveNames(r.ModelPaths, r.Names);
        string baseline = r.Baseline ?? names[0];
        if (!names.Contains(baseline, StringComparer.Ordinal))
            throw new InputException($"the baseline '{baseline}' is not one of the model names ({string.Join(", ", names)}); give `baseline` NAME with one of them");
        var options = r.Estimate with { RefuseOnPoorOverlap = false };

        var rows = HeldoutRows.Of(ds);
        var texts = rows.Texts;
        var prompts = rows.Prompts;

        // log P^R(X_i): the design probability when known, else the frozen logging (FT) model's.
        double[] logpR;
        string loggingSource;
        if (ds.Spec.LogPropensityColumn != null)
        {
            logpR = rows.DesignLogp!;
            loggingSource = $"design log-propensities from column '{ds.Spec.LogPropensityColumn}'";
            if (r.LoggingModelPath != null) log.WriteLine($"note: the data's column '{ds.Spec.LogPropensityColumn}' gives log P^R; the logging model {r.LoggingModelPath} is not used");
        }
        else if (r.LoggingModelPath != null)
        {
            if (!File.Exists(r.LoggingModelPath) && !Directory.Exists(r.LoggingModelPath))
                throw new InputException("logging model folder not found; give the FT model the data's texts were estimated to come from", r.LoggingModelPath);
            bool cached;
            using (var logging = LoadedModel.Open(r.LoggingModelPath, r.Device))
                (logpR, cached) = ReferenceTable.Get(r.LoggingModelPath, logging.Model, logging.Tokenizer, texts, prompts, r.CacheDir);
            loggingSource = $"estimated P̂^R: logging model {r.LoggingModelPath}";
            log.WriteLine($"log P̂^R from {r.LoggingModelPath} ({(cached ? "cached" : "computed")})");
        }
        else throw new InputException("the estimators need log P^R(X_i) for every held-out row: give `log_propensity_column` (the design probabilities) or `logging_model` FT_DIR (the model that estimates P^R)", ds.Spec.Path);

        // ĝ on the held-out rows (out-of-fold) and a model for the policy samples.
        OutcomeModelPredictions? g = null;
        string? gSource = null;
        double? gR2 = null, gAuc = null;
        if (r.PolicySamples > 0)
        {
            if (r.OutcomeModelDir != null)
            {
                if (!Directory.Exists(r.OutcomeModelDir))
                    throw new InputException("outcome model folder not found; give a folder written by an outcome model's Save (it holds outcome_model.json)", r.OutcomeModelDir);
                var saved = OutcomeModels.Load(r.OutcomeModelDir);
                g = new OutcomeModelPredictions(saved.Predict(texts), saved.Predict);
                gSource = $"saved outcome model {r.OutcomeModelDir} ({saved.Kind}); it must not have been fit on these held-out rows";
            }
            else
            {
                var cf = OutcomePredictions.CrossFitLexical(ds, r.Folds, r.Seed);
                g = new OutcomeModelPredictions(cf.OutOfFold, cf.FinalModel.Predict);
                gSource = $"{cf.FinalModel.Kind}, cross-fitted on the held-out rows ({cf.Folds} folds; out-of-fold ĝ(X_i), all-rows model for ĝ(X̃))";
                if (cf.Auc is double auc) gAuc = auc; else if (double.IsFinite(cf.R2)) gR2 = cf.R2;
            }
            log.WriteLine($"outcome model ĝ: {gSource}{(gR2 is double r2 ? $", out-of-fold R² {r2:F3}" : "")}{(gAuc is double a ? $", out-of-fold AUC {a:F3}" : "")}");
        }

        // Each model: scores, samples (all models share one sampler seed), weight diagnostics.
        var paths = new Dictionary<string, string>(StringComparer.Ordinal);
        for (int k = 0; k < names.Count; k++) paths[names[k]] = r.ModelPaths[k];
        var scorer = new CheckpointScorer(paths, rows, r.Device)
        {
            CacheDir = r.CacheDir,
            PolicySamples = r.PolicySamples,
            Sampler = tok => (r.Sampling ?? new SamplerSettings { MaxNewTokens = DefaultMaxNewTokens(tok, texts) }) with { Seed = r.Seed },
        };
        // A/B tests (a group column): also the values within the held-out experiments, as tilts from the baseline
        bool grouped = ds.Spec.GroupColumn != null;
        var ev = new HeldoutEvaluator(rows, grouped ? HeldoutEstimator.OffPolicy.Append(HeldoutEstimator.Within) : HeldoutEstimator.OffPolicy, scorer)
        {
            BaseModel = grouped ? baseline : null,
            LoggingLogp = () => logpR,
            OutcomeModel = () => g!,
            Options = options,
            SamplesUnavailable = r.PolicySamples > 0 ? null : "no policy samples were drawn (`policy_samples` 0)",
        };
        foreach (var name in names)
        {
            var s = ev.Scores(name);
            log.WriteLine($"{name}: scored {texts.Length} rows ({(s.ScoresCached ? "cached" : "computed")})" +
                          (r.PolicySamples > 0 ? $", {r.PolicySamples} policy samples ({(s.SamplesCached ? "cached" : "sampled")})" : "") +
                          $"; ESS {ev.Weights(name).Ess:0.#} of {texts.Length}");
        }

        if (r.RefuseOnPoorOverlap)
            foreach (var name in names)
                if (ev.Weights(name) is var w && w.EssFraction < options.MinEssFraction)
                    throw new PoorOverlapException(
                        $"{name}: only {w.Ess:0.#} effective samples of {texts.Length} (ESS fraction {w.EssFraction:0.###} < {options.MinEssFraction}); " +
                        "the model puts its mass where the held-out data has little, so no estimate is reported (`refuse_poor_overlap`). Evaluate on more data, or drop the flag to see the estimates with warnings.");

        int baseIndex = names.IndexOf(baseline);
        var warnings = new List<string>();
        var models = new List<ModelEvaluation>();
        for (int k = 0; k < names.Count; k++)
        {
            var estimates = ev.Estimators.Select(e => ev.TryValue(e, names[k])).ToList();
            List<EstimatorResult>? diffs = k == baseIndex ? null
                : ev.Estimators.Select(e => ev.TryDifference(e, names[k], baseline)).ToList();
            var p = ev.Scores(names[k]);
            // Mass on the logging support: mean importance weight Σ c·w / Σ c (IPW of the constant outcome 1).
            var support = Estimators.Ipw.Estimate(ev.Sample(names[k]) with { Outcome = Enumerable.Repeat(1.0, texts.Length).ToArray(), OutcomeHat = null, OutcomeHatTilde = null },
                options with { MaxWeight = null, MinEssFraction = 0, Ci = CiMethod.InfluenceFunction });
            foreach (var w in MergeWarnings(estimates)) Add(warnings, $"{names[k]}: {w}");
            foreach (var w in (diffs ?? []).SelectMany(e => e.Value?.Warnings ?? []).Where(w => !w.StartsWith("model A: ", StringComparison.Ordinal) && !w.StartsWith("model B: ", StringComparison.Ordinal)))
                Add(warnings, $"{names[k]} − {baseline}: {w}");
            foreach (var e in estimates.Where(e => e.Value is null && e.Unavailable != null && !e.Unavailable.StartsWith("no policy samples", StringComparison.Ordinal)))
                Add(warnings, $"{names[k]}: {e.Estimator}: {e.Unavailable}");
            if (support.CiHigh < 0.9)
                Add(warnings, $"{names[k]}: only about {support.Estimate:0.###} (95% CI [{support.CiLow:0.###}, {support.CiHigh:0.###}]) of the model's probability is on texts the logging " +
                              "distribution can produce (mean importance weight). IPW counts the rest as outcome 0, so it is scaled down by that share; SNIPW and SNDR " +
                              "estimate the value on that support only; DM and DR rely on ĝ alone for the rest.");
            if (support.CiLow > 1.1)
                Add(warnings, $"{names[k]}: the mean importance weight is {support.Estimate:0.###} (95% CI [{support.CiLow:0.###}, {support.CiHigh:0.###}]) but cannot exceed 1 when " +
                              "log P^R and log P^f are both normalized densities of these texts: check that the log-propensities are natural logs of probabilities over whole texts " +
                              "(or that the logging model is the one the data came from), and that prompts are given the same way to both.");
            if (p.TruncatedRows > 0)
                Add(warnings, $"{names[k]}: {p.TruncatedRows} of {texts.Length} held-out rows are longer than the model's context; their log P^f is that of a prefix, so their weights are wrong.");
            if (p.NonCanonicalSamples > 0)
                Add(warnings, $"{names[k]}: {p.NonCanonicalSamples} of {r.PolicySamples} policy samples do not re-encode to the sampled tokens; ĝ scores the decoded text.");
            models.Add(new ModelEvaluation(names[k], r.ModelPaths[k], ev.Weights(names[k]), support, p.TruncatedRows, p.NonCanonicalSamples, p.ScoresCached, p.SamplesCached, estimates, diffs));
        }
        if (r.OutcomeModelDir == null && r.PolicySamples > 0 && gR2 is double gr2 && gr2 < 0.05)
            Add(warnings, $"the cross-fitted outcome model explains little (out-of-fold R² {gr2:F3}): DM is unreliable, and DR/SNDR gain little over IPW/SNIPW.");

        var spec = ds.Spec;
        string outcomeName = ds.Kind == OutcomeKind.Binomial ? $"{spec.ClicksColumn}/{spec.ImpressionsColumn}" : spec.OutcomeColumn ?? "outcome";
        return new PolicyEvaluationResult(spec.Path, texts.Length, outcomeName, ds.Kind.ToString().ToLowerInvariant(), spec.HigherIsBetter,
            loggingSource, gSource, gR2, gAuc, r.PolicySamples, r.Seed, options, baseline, models, warnings,
            grouped ? WithinExperimentValue.Contrasting(WithinExperimentValue.Index(ds.Rows.Select(x => x.Group))) : 0);
    }

    static void Add(List<string> list, string s) { if (!list.Contains(s)) list.Add(s); }

    /// <summary>Warnings of the estimators, with "IPW: text", "SNIPW: text" … merged into "IPW, SNIPW: text".</summary>
    static IEnumerable<string> MergeWarnings(IEnumerable<EstimatorResult> results)
    {
        var merged = new List<(string Text, List<string> Names)>();
        foreach (var e in results)
            foreach (var w in e.Value?.Warnings ?? [])
            {
                string prefix = e.Estimator + ": ";
                string text = w.StartsWith(prefix, StringComparison.Ordinal) ? w[prefix.Length..] : w;
                var entry = merged.FirstOrDefault(m => m.Text == text);
                if (entry.Names is null) merged.Add((text, [e.Estimator]));
                else if (!entry.Names.Contains(e.Estimator)) entry.Names.Add(e.Estimator);
            }
        return merged.Select(m => $"{string.Join(", ", m.Names)}: {m.Text}");
    }

    /// <summary>Display names: the given ones (unique, one per model), else folder names made unique with #2, #3….</summary>
    public static List<string> ResolveNames(IReadOnlyList<string> paths, IReadOnlyList<string>? given)
    {
        if (given is { Count: > 0 })
        {
            if (given.Count != paths.Count)
                throw new InputException($"{given.Count} names for {paths.Count} models; give one `names` entry per `models` entry");
            var dup = given.GroupBy(n => n, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
            if (dup != null) throw new InputException($"the name '{dup.Key}' is given twice; model names must be unique");
            if (given.Any(string.IsNullOrWhiteSpace)) throw new InputException("model names must not be blank");
            return given.ToList();
        }
        var names = new List<string>();
        foreach (var p in paths)
        {
            var baseName = Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(p)));
            if (string.IsNullOrEmpty(baseName)) baseName = "model";
            var name = baseName;
            for (int i = 2; names.Contains(name, StringComparer.Ordinal); i++) name = $"{baseName}#{i}";
            names.Add(name);
        }
        return names;
    }

    /// <summary>Twice the token count of the longest held-out text (EOS included), at least 16: the default sample length.</summary>
    public static int DefaultMaxNewTokens(Text.ITokenizer tok, IReadOnlyList<string> texts) =>
        Math.Max(16, 2 * (texts.Count == 0 ? 0 : texts.Max(t => tok.Encode(t).Length) + 1));
}
