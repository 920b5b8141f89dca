using System.Globalization;
using System.Text.Json;
using CausalPreference.Causal;
using CausalPreference.Data;
using CausalPreference.IO;
using CausalPreference.Models;
using CausalPreference.Outcome;
using CausalPreference.Training;
using TorchSharp;

namespace CausalPreference.Pipeline;

/// <summary>Everything <see cref="Refutation.Run"/> needs.</summary>
/// <param name="Spec">The direct-outcome file and its columns (design log-propensities, if any, are used as P^R).</param>
/// <param name="ModelPath">The FT model: the start of training, the baseline, and P̂^R when the data has no design probabilities.</param>
/// <param name="Objective">cpo or dr-cpo (oo-rlhf is accepted too).</param>
/// <param name="Training">Every training setting (folds, m and the validation share included); use the ones of the run being checked.</param>
/// <param name="OutDir">Output folder (placebo/, half-a/, half-b/, refute.json).</param>
/// <param name="Placebo">Run the placebo check.</param>
/// <param name="Stability">Run the subset-stability check.</param>
/// <param name="TestFraction">Rows (whole groups) held out from training for the estimates.</param>
/// <param name="Estimator">IPW, SNIPW, DM, DR or SNDR (the last three sample <paramref name="Samples"/> texts per model), or
/// WITHIN (<see cref="WithinExperimentValue"/>: needs a group column; null picks WITHIN for grouped data, else SNIPW).</param>
/// <param name="MaxRows">Keep at most this many rows (whole groups, seeded); 0 = all.</param>
/// <param name="Samples">Texts sampled per model for DM/DR/SNDR.</param>
/// <param name="Device">Torch device (null = CPU).</param>
public sealed record RefutationRequest(DatasetSpec Spec, string ModelPath, ObjectiveKind Objective, CausalTrainingOptions Training, string OutDir,
    bool Placebo = true, bool Stability = true, double TestFraction = 0.2, string? Estimator = null, int MaxRows = 0,
    int Samples = 100, torch.Device? Device = null)
{
    /// <summary>The optimization settings of <see cref="Training"/>.</summary>
    public TrainerOptions Trainer => Training.Trainer;
    /// <summary>Cross-fitting folds of ĝ.</summary>
    public int Folds => Training.Folds;
    /// <summary>X̃ samples for DR-CPO (0 = 2 × training rows).</summary>
    public int M => Training.M;
    /// <summary>Share of training rows used for checkpoint selection.</summary>
    public double ValidationFraction => Training.ValidationFraction;
}

/// <summary>Placebo check: trained on shuffled outcomes, the estimated lift over FT on held-out (shuffled) rows must have a CI covering 0.</summary>
/// <param name="TrainRows">Rows the placebo model was trained on.</param>
/// <param name="TestRows">Held-out rows the lift was estimated on.</param>
/// <param name="ShuffledWithin">How the outcomes were permuted (over all rows, or within each experiment).</param>
/// <param name="Lift">The estimated lift of the placebo model over FT.</param>
/// <param name="EffectiveRows">The smaller effective sample size of the two models' importance weights (null for DM).</param>
/// <param name="Verdict">PASS (CI covers 0), FAIL (it does not) or INCONCLUSIVE (fewer than <see cref="Refutation.MinEffectiveRows"/>
/// effective rows: the estimator cannot see a lift, so covering 0 proves nothing).</param>
public sealed record PlaceboResult(int TrainRows, int TestRows, string ShuffledWithin, LiftRow Lift, double? EffectiveRows, string Verdict)
{
    /// <summary>True only for PASS.</summary>
    public bool Passed => Verdict == "PASS";
}

/// <summary>Subset stability: the same objective trained on two disjoint halves; their values on the same held-out rows.</summary>
/// <param name="RowsA">Training rows of half A.</param>
/// <param name="RowsB">Training rows of half B.</param>
/// <param name="TestRows">Held-out rows all values are estimated on.</param>
/// <param name="Ft">FT's value on those rows.</param>
/// <param name="HalfA">The value of the model trained on half A.</param>
/// <param name="HalfB">The value of the model trained on half B.</param>
/// <param name="AMinusB">The paired difference V(A) − V(B).</param>
/// <param name="LiftA">Half A's lift over FT.</param>
/// <param name="LiftB">Half B's lift over FT.</param>
/// <param name="EffectiveRows">The smallest effective sample size of the models' importance weights (null for DM).</param>
/// <param name="Verdict">STABLE (the CI of V(A) − V(B) covers 0), UNSTABLE, or INCONCLUSIVE (degenerate weights, as for the placebo).</param>
public sealed record StabilityResult(int RowsA, int RowsB, int TestRows, ValueRow Ft, ValueRow HalfA, ValueRow HalfB, LiftRow AMinusB, LiftRow LiftA, LiftRow LiftB,
    double? EffectiveRows, string Verdict)
{
    /// <summary>True only for STABLE.</summary>
    public bool Stable => Verdict == "STABLE";
}

/// <summary>Results of <see cref="Refutation.Run"/> (also OUT/refute.json).</summary>
public sealed record RefutationResult(string Objective, string Estimator, string LoggingSource, PlaceboResult? Placebo, StabilityResult? Stability);

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
        var estimator = name == "WITHIN" ? null : Estimators.ByName(name);
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
            var ev = new HeldoutEvaluator(r, test, estimator, Path.Combine(r.OutDir, ".cache"));
            var d = ev.Difference(dir, r.ModelPath, "placebo");
            var ess = ev.EffectiveRows(dir, r.ModelPath);
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
            var ev = new HeldoutEvaluator(r, test, estimator, Path.Combine(r.OutDir, ".cache"));
            var ab = ev.Difference(dirA, dirB, "half-a", "half-b");
            var ess = ev.EffectiveRows(dirA, dirB);
            stability = new StabilityResult(a.Rows.Count, b.Rows.Count, test.Rows.Count, ev.Value(r.ModelPath, "ft"), ev.Value(dirA, "half-a"), ev.Value(dirB, "half-b"),
                ab, ev.Difference(dirA, r.ModelPath, "half-a"), ev.Difference(dirB, r.ModelPath, "half-b"), ess, Verdict(ab, ess, "STABLE", "UNSTABLE"));
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

    /// <summary>The held-out split's seed: the pipeline's for the same seed, so `--seed` equal to the pipeline's seed
    /// (and the same rows, fraction and groups) holds out exactly the pipeline's held-out rows, which FT never saw.</summary>
    static int SplitSeed(RefutationRequest r) => PipelineRunner.TestSplitSeed + (int)(r.Trainer.Seed % 1000);

    static void Train(RefutationRequest r, DirectOutcomeDataset pool, string dir, TextWriter log) =>
        CausalRun.Execute(new CausalRunRequest(pool, r.ModelPath, r.Objective, null, r.Training, dir, Path.Combine(r.OutDir, ".cache"))
            { Device = r.Device, RestartOnSettingsChange = true }, log);

    static string F(double v) => v.ToString("G4", CultureInfo.InvariantCulture);

    /// <summary>Scores models on one set of held-out rows and forms value estimates and paired differences (with a
    /// <see cref="ValueEstimator"/>, or within experiments when it is null).</summary>
    sealed class HeldoutEvaluator
    {
        readonly RefutationRequest _r;
        readonly DirectOutcomeDataset _test;
        readonly ValueEstimator? _e;
        readonly int[]? _groups;
        readonly double[]? _design;
        readonly Dictionary<string, double[]> _logp = new();
        readonly double[] _logging;
        readonly double[]? _gOof;
        readonly IOutcomeModel? _g;
        readonly Dictionary<string, LoggedSample> _cache = new();

        public HeldoutEvaluator(RefutationRequest r, DirectOutcomeDataset test, ValueEstimator? e, string cacheDir)
        {
            _r = r; _test = test; _e = e;
            var texts = test.Rows.Select(x => x.Text).ToArray();
            if (e is null)
            {
                _groups = WithinExperimentValue.Index(test.Rows.Select(x => x.Group));
                _design = r.Spec.LogPropensityColumn != null ? test.Rows.Select(x => x.LogPropensity!.Value).ToArray() : WithinExperimentValue.ArmUniform(_groups);
                _logging = _design;
                return;
            }
            if (r.Spec.LogPropensityColumn != null) _logging = test.Rows.Select(x => x.LogPropensity!.Value).ToArray();
            else
            {
                var (ft, tok) = Checkpoint.Load(r.ModelPath, r.Device);
                _logging = ReferenceTable.Get(r.ModelPath, ft, tok, texts, null, cacheDir).logp;
            }
            if (e?.Name is "DM" or "DR" or "SNDR")
            {
                var cf = OutcomePredictions.CrossFitLexical(test, r.Folds, r.Trainer.Seed);
                (_gOof, _g) = (cf.OutOfFold, cf.FinalModel);
            }
        }

        double[] Logp(string modelDir)
        {
            if (_logp.TryGetValue(modelDir, out var lp)) return lp;
            var (model, tok) = Checkpoint.Load(modelDir, _r.Device);
            lp = SequenceScorer.Score(model, tok, _test.Rows.Select(x => x.Text).ToArray());
            model.Dispose();
            return _logp[modelDir] = lp;
        }

        double[] Y => _test.Rows.Select(x => x.Outcome).ToArray();

        LoggedSample Sample(string modelDir)
        {
            if (_cache.TryGetValue(modelDir, out var s)) return s;
            var (model, tok) = Checkpoint.Load(modelDir, _r.Device);
            var lp = SequenceScorer.Score(model, tok, _test.Rows.Select(x => x.Text).ToArray());
            double[]? gTilde = null;
            if (_g != null)
            {
                var gen = TextGenerator.Generate(model, tok, new string?[_r.Samples], new SamplerSettings { Seed = 10_000 + _r.Trainer.Seed });
                gTilde = _g.Predict(gen.Select(x => x.Text).ToArray());
            }
            s = new LoggedSample(lp, _logging, _test.Rows.Select(x => x.Outcome).ToArray(), _gOof, gTilde, _test.Rows.Select(x => x.Weight).ToArray());
            _cache[modelDir] = s;
            return s;
        }

        public ValueRow Value(string modelDir, string name)
        {
            if (_e is null)
            {
                var w = WithinExperimentValue.Estimate(Logp(modelDir), Logp(_r.ModelPath), _design!, Y, _groups!);
                return new ValueRow(name, "WITHIN", w.Estimate, w.StdError, w.CiLow, w.CiHigh, null, 0, w.Warnings.ToArray());
            }
            var v = _e.Estimate(Sample(modelDir));
            return new ValueRow(name, _e.Name, v.Estimate, v.StdError, v.CiLow, v.CiHigh, _e.Name == "DM" ? null : v.Diagnostics?.EssFraction, v.Clipped, v.Warnings.ToArray());
        }

        /// <summary>The smaller ESS (in rows) of two models' importance weights; null for DM, which uses none.</summary>
        public double? EffectiveRows(string modelA, string modelB)
        {
            if (_e is null) return WithinExperimentValue.Contrasting(_groups!) >= WithinExperimentValue.MinExperiments ? null : 0;
            if (_e.Name == "DM") return null;
            return Math.Min(_e.Estimate(Sample(modelA)).Diagnostics?.Ess ?? double.NaN, _e.Estimate(Sample(modelB)).Diagnostics?.Ess ?? double.NaN);
        }

        public LiftRow Difference(string modelA, string modelB, string nameA, string nameB = "ft")
        {
            if (_e is null)
            {
                var w = WithinExperimentValue.Difference(Logp(modelA), Logp(modelB), Logp(_r.ModelPath), _design!, Y, _groups!);
                return new LiftRow(nameA, nameB, "WITHIN", w.Estimate, w.StdError, w.CiLow, w.CiHigh, null, WithinExperimentValue.Contrasting(_groups!));
            }
            var d = Estimators.Difference(_e, Sample(modelA), Sample(modelB));
            return new LiftRow(nameA, nameB, _e.Name, d.Estimate, d.StdError, d.CiLow, d.CiHigh);
        }
    }
}
