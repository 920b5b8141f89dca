using System.Globalization;
using System.Text.Json;
using CausalPreference.Causal;
using CausalPreference.Data;
using CausalPreference.Evaluation.OffPolicy;
using CausalPreference.IO;
using CausalPreference.Models;
using CausalPreference.Outcome;
using CausalPreference.Pipeline;
using CausalPreference.Training;
using TorchSharp;

namespace CausalPreference.Refuters;

/// <summary>
/// Refutation checks of a causal training run (in the spirit of DoWhy's refuters), kept small:
/// (1) placebo — the outcomes are permuted (within groups when there are groups, so each A/B test keeps its outcomes),
/// the objective is trained on the permuted training rows, and the paired lift V(trained) − V(FT) is estimated on the
/// permuted held-out rows with <see cref="Estimators.Difference"/>. Y is then independent of X, so the true lift is 0
/// and the 95% CI must cover 0 (PASS), else FAIL: the pipeline manufactures effects from noise.
/// (2) subset stability — the objective is trained on two disjoint halves of the training rows (whole groups) and both
/// models are evaluated on the same held-out rows; the paired difference V(A) − V(B) should cover 0 (STABLE).
/// </summary>
public static class Refutation
{
    /// <summary>Below this many effective rows (ESS of the importance weights) a check is INCONCLUSIVE, not passed.</summary>
    public const double MinEffectiveRows = 5;

    /// <summary>Runs the requested checks and writes OUT/refute.json.</summary>
    public static RefutationResult Run(RefutationRequest r, TextWriter log)
    {
        Directory.CreateDirectory(r.OutDir);
        string name = (r.Estimator ?? (r.Spec.GroupColumn != null ? "WITHIN" : "SNIPW")).ToUpperInvariant();
        if (name == "WITHIN" && r.Spec.GroupColumn is null)
            throw new InputException("the WITHIN estimator compares models within experiments: name the experiment id column (`group_column`)", r.Spec.Path);
        var estimator = HeldoutEstimator.ByName(name);
        r = r with { Estimator = name };
        var table = DesignPropensity.Cap(TableReader.Read(r.Spec.Path), r.MaxRows, r.Spec.GroupColumn, DirectOutcomeDataset.ValidationSplitSeed);
        var data = DirectOutcomeDataset.FromTable(table, r.Spec);
        log.WriteLine($"refute: {data.Describe()}{(r.MaxRows > 0 && table.RowCount < TableReader.Read(r.Spec.Path).RowCount ? $" (capped at {table.RowCount} rows, the most asked for)" : "")}");
        string logging = r.Spec.LogPropensityColumn is { } c ? $"design probabilities (column '{c}')" : $"P̂^R = the FT model {r.ModelPath}";
        PlaceboResult? placebo = null;
        StabilityResult? stability = null;

        if (r.Placebo)
        {
            var (shuffledTable, within) = ShuffleOutcomes(table, r.Spec, 4242);
            var shuffled = DirectOutcomeDataset.FromTable(shuffledTable, r.Spec);
            var (pool, test) = shuffled.Split(r.TestFraction, SplitSeed(r));
            var dir = Path.Combine(r.OutDir, "placebo");
            log.WriteLine($"placebo: outcomes permuted {within}; training {CausalRun.Name(r.Objective)} on {pool.Rows.Count} rows, estimating on {test.Rows.Count} held-out rows");
            Train(r, pool, dir, log);
            var ev = Evaluator(r, test, estimator, new() { ["ft"] = r.ModelPath, ["placebo"] = dir });
            var d = Lift(ev, estimator, "placebo", "ft");
            var ess = ev.EffectiveRows(estimator, "placebo", "ft");
            placebo = new PlaceboResult(pool.Rows.Count, test.Rows.Count, within, d, ess, Verdict(d, ess, "PASS", "FAIL"));
            log.WriteLine($"placebo: lift {F(d.Difference)} [{F(d.CiLow)}, {F(d.CiHigh)}], effective rows {(ess is double e ? F(e) : "n/a")} -> {placebo.Verdict}");
        }
        if (r.Stability)
        {
            var (pool, test) = data.Split(r.TestFraction, SplitSeed(r));
            var (a, b) = pool.Split(0.5, 777);
            log.WriteLine($"stability: two disjoint halves of {a.Rows.Count} and {b.Rows.Count} rows{(r.Spec.GroupColumn is null ? "" : " (whole groups)")}; {test.Rows.Count} held-out rows");
            string dirA = Path.Combine(r.OutDir, "half-a"), dirB = Path.Combine(r.OutDir, "half-b");
            Train(r, a, dirA, log);
            Train(r, b, dirB, log);
            var ev = Evaluator(r, test, estimator, new() { ["ft"] = r.ModelPath, ["half-a"] = dirA, ["half-b"] = dirB });
            ValueRow Value(string m) => ValueRow.Of(m, estimator, ev.Value(estimator, m));
            var ab = Lift(ev, estimator, "half-a", "half-b");
            var ess = ev.EffectiveRows(estimator, "half-a", "half-b");
            stability = new StabilityResult(a.Rows.Count, b.Rows.Count, test.Rows.Count, Value("ft"), Value("half-a"), Value("half-b"),
                ab, Lift(ev, estimator, "half-a", "ft"), Lift(ev, estimator, "half-b", "ft"), ess, Verdict(ab, ess, "STABLE", "UNSTABLE"));
            log.WriteLine($"stability: V(A) {F(stability.HalfA.Estimate)}, V(B) {F(stability.HalfB.Estimate)}, V(FT) {F(stability.Ft.Estimate)}; A − B {F(ab.Difference)} [{F(ab.CiLow)}, {F(ab.CiHigh)}], effective rows {(ess is double e2 ? F(e2) : "n/a")} -> {stability.Verdict}");
        }
        var result = new RefutationResult(CausalRun.Name(r.Objective), name, logging, placebo, stability);
        AtomicFile.WriteAllText(Path.Combine(r.OutDir, "refute.json"), JsonSerializer.Serialize(result, PipelineRunner.ReportJson));
        return result;
    }

    /// <summary>
    /// Permutes the outcome columns (the outcome, or clicks with impressions) across rows with a seeded shuffle, within
    /// each group when the spec has a group column; every other column stays with its text.
    /// </summary>
    public static (Table Table, string Within) ShuffleOutcomes(Table table, DatasetSpec spec, int seed)
    {
        var cols = new[] { spec.OutcomeColumn, spec.ClicksColumn, spec.ImpressionsColumn }.Where(x => x != null).Select(x => table.IndexOf(x!)).ToArray();
        if (cols.Length == 0 || cols.Any(i => i < 0)) throw new InputException("the placebo needs the outcome column(s) named in the spec", table.Path);
        var rows = Enumerable.Range(0, table.RowCount).Select(r => DesignPropensity.Row(table, r)).ToArray();
        int g = spec.GroupColumn is null ? -1 : table.IndexOf(spec.GroupColumn);
        var blocks = Enumerable.Range(0, rows.Length).GroupBy(i => g < 0 ? "" : rows[i][g] ?? "", StringComparer.Ordinal).ToList();
        int k = 0;
        foreach (var block in blocks)
        {
            var idx = block.ToList();
            var perm = idx.ToList();
            SeededShuffle.Shuffle(perm, seed + k++);
            var values = perm.Select(i => cols.Select(c => table.Get(i, c)).ToArray()).ToArray();
            for (int j = 0; j < idx.Count; j++)
                for (int q = 0; q < cols.Length; q++) rows[idx[j]][cols[q]] = values[j][q];
        }
        return (new Table(table.Path, table.Columns, rows), g < 0 ? "across all rows" : $"within each group of '{spec.GroupColumn}'");
    }

    static string Verdict(LiftRow d, double? effectiveRows, string pass, string fail) =>
        effectiveRows is double e && e < MinEffectiveRows ? "INCONCLUSIVE" : d.CoversZero ? pass : fail;

    /// <summary>The held-out split's seed: the pipeline's for the same seed, so a seed equal to the pipeline's
    /// (and the same rows, fraction and groups) holds out exactly the pipeline's held-out rows, which FT never saw.</summary>
    static int SplitSeed(RefutationRequest r) => PipelineRunner.TestSplitSeed + (int)(r.Trainer.Seed % 1000);

    static void Train(RefutationRequest r, DirectOutcomeDataset pool, string dir, TextWriter log) =>
        CausalRun.Execute(new CausalRunRequest(pool, r.ModelPath, r.Objective, null, r.Training, dir, Path.Combine(r.OutDir, ".cache"))
            { Device = r.Device, RestartOnSettingsChange = true }, log);

    static string F(double v) => v.ToString("0.######", CultureInfo.InvariantCulture); // never exponent notation

    /// <summary>V(a) − V(b) by <paramref name="e"/>; within experiments, with the number of experiments that contrast texts.</summary>
    static LiftRow Lift(HeldoutEvaluator ev, HeldoutEstimator e, string a, string b) =>
        LiftRow.Of(a, b, e.Name, ev.Difference(e, a, b), experiments: e.Needs.HasFlag(EstimatorNeeds.Experiments) ? ev.ContrastingExperiments : null);

    /// <summary>The held-out evaluator of the checks: models scored without prompts and without caches, policy samples (when the
    /// estimator needs them) drawn with the sampler seed 10 000 + the trainer's seed, ĝ cross-fitted on the held-out rows, and
    /// P^R the design probabilities or the FT model's (cached).</summary>
    static HeldoutEvaluator Evaluator(RefutationRequest r, DirectOutcomeDataset test, HeldoutEstimator estimator, Dictionary<string, string> models)
    {
        var rows = HeldoutRows.Of(test, withPrompts: false);
        var scorer = new CheckpointScorer(models, rows, r.Device) { PolicySamples = r.Samples, Sampler = _ => new SamplerSettings { Seed = 10_000 + r.Trainer.Seed } };
        return new HeldoutEvaluator(rows, [estimator], scorer)
        {
            BaseModel = "ft",
            LoggingLogp = () =>
            {
                if (rows.DesignLogp != null) return rows.DesignLogp;
                using var ft = LoadedModel.Open(r.ModelPath, r.Device);
                return ReferenceTable.Get(r.ModelPath, ft.Model, ft.Tokenizer, rows.Texts, null, Path.Combine(r.OutDir, ".cache")).logp;
            },
            OutcomeModel = () =>
            {
                var cf = OutcomePredictions.CrossFitLexical(test, r.Folds, r.Trainer.Seed);
                return new OutcomeModelPredictions(cf.OutOfFold, cf.FinalModel.Predict);
            },
        };
    }
}
