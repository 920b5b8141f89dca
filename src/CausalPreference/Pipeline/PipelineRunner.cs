using System.Globalization;
using System.Text.Json;
using CausalPreference.Causal;
using CausalPreference.Data;
using CausalPreference.IO;
using CausalPreference.Models;
using CausalPreference.Outcome;
using CausalPreference.Reporting;
using CausalPreference.Simulation;
using CausalPreference.Training;
using TorchSharp;

namespace CausalPreference.Pipeline;

/// <summary>What <see cref="PipelineRunner.Run"/> returns.</summary>
/// <param name="OutDir">The output folder.</param>
/// <param name="StagesRun">Stages that ran this time, in order.</param>
/// <param name="StagesSkipped">Stages skipped because their fingerprinted outputs existed.</param>
/// <param name="Report">The results (also OUT/results.json and OUT/results.md); null for a world run without held-out rows.</param>
/// <param name="Truth">The true-value results of a world run without held-out rows (OUT/results.json; the demo's), else null.</param>
public sealed record PipelineResult(string OutDir, IReadOnlyList<string> StagesRun, IReadOnlyList<string> StagesSkipped, PipelineReport? Report,
    DemoResults? Truth = null);

/// <summary>
/// The whole experiment from one <see cref="PipelineConfig"/> (what the paper's run_template.sh did, done right):
/// prepare (load, design probabilities, week exclusion, row cap, a held-out test split by group) → FT → outcome models
/// (cross-fitted on the held-out rows for evaluation and judging; ĝ on −Y for the confounding study) → reference table
/// → X̃ from f0 = FT → CPO / DR-CPO / OO-RLHF (<see cref="CausalRun"/>) → generate (same sampler seed for every model)
/// → evaluate (off-policy value estimates with CIs on the held-out rows, paired lifts over FT via
/// <see cref="Estimators.Difference"/>; the true value on the built-in world) → judge (outcome-model judge, an OpenAI
/// judge only when configured) → report (Markdown, JSON, PNG). Every stage is recorded in a <see cref="StageManifest"/>
/// and skipped when its fingerprinted outputs exist, so an interrupted pipeline resumes; training itself resumes
/// mid-run through <see cref="TrainLoop"/>.
/// </summary>
public static partial class PipelineRunner
{
    /// <summary>Seed offset of the held-out test split (the training/validation split inside it uses <see cref="DirectOutcomeDataset.ValidationSplitSeed"/>).</summary>
    public const int TestSplitSeed = 20240501;
    const string Prepared = "data/prepared.csv", TrainCsv = "data/train.csv", TestCsv = "data/test.csv", ConfCsv = "data/confounded.csv";

    sealed record RunSpec(string Name, ObjectiveKind Kind, bool ConfoundedG, long SeedOffset)
    {
        public string GLabel => Kind == ObjectiveKind.Cpo ? "none" : ConfoundedG ? "confounded" : "cross-fitted on training rows";
    }

    /// <summary>Runs (or resumes) the pipeline described by <paramref name="c"/>; <paramref name="outOverride"/> replaces <c>out</c>.</summary>
    public static PipelineResult Run(PipelineConfig c, TextWriter log, string? outOverride = null,
        Func<string, IProgress<TrainingProgress>?>? progress = null)
    {
        var outDir = Path.GetFullPath(outOverride ?? c.Out);
        Directory.CreateDirectory(outDir);
        string P(string rel) => Path.Combine(outDir, rel);
        var cache = P(".cache");
        var manifest = new StageManifest(outDir, log);
        AtomicFile.WriteAllText(P("config.json"), c.ToJson());
        bool world = c.Data.Source.Equals("world", StringComparison.OrdinalIgnoreCase);
        var worldModel = world ? new World((c.Data.Kind == "binary" ? WorldConfig.DefaultBinary() : WorldConfig.Default()) with { Seed = (int)c.Seed }) : null;
        torch.Device? device = c.Model.Device == "cpu" ? null : ParseDevice(c.Model.Device);

        // 1. prepare
        string dataFp = world ? "world" : Fingerprint.OfModel(c.DataPath!);
        var fpPrepare = Fingerprint.Of("prepare", JsonSerializer.Serialize(c.Data, PipelineConfig.Json), c.Seed.ToString(CultureInfo.InvariantCulture), dataFp);
        manifest.Run("prepare", fpPrepare, c.HasHeldOut ? [Prepared, TrainCsv, TestCsv, "data/prepare.json"] : [Prepared, TrainCsv, "data/prepare.json"],
            () => Prepare(c, worldModel, outDir, log));
        var spec = SpecFor(c);
        var trainPool = DirectOutcomeDataset.Load(spec with { Path = P(TrainCsv) });
        var test = c.HasHeldOut ? DirectOutcomeDataset.Load(spec with { Path = P(TestCsv) }) : null; // none: the world's truth evaluates
        log.WriteLine($"train pool: {trainPool.Describe()}");
        log.WriteLine(test is null ? "held out:   none (the world's true values evaluate every model)" : $"held out:   {test.Describe()}");

        // 2. FT
        bool scratch = c.Model.Base is "tiny" or "micro";
        if (scratch && c.Ft.Steps == 0) throw new InputException("ft.steps is 0 but the base model is built in (untrained); give FT some steps", column: "ft.steps");
        string ftPath = c.Ft.Steps == 0 ? c.Model.Base : P("ft");
        var fpFtParts = new List<string?> { "ft", fpPrepare, JsonSerializer.Serialize(c.Model, PipelineConfig.Json), JsonSerializer.Serialize(c.Ft, PipelineConfig.Json), c.Seed.ToString(CultureInfo.InvariantCulture) };
        if (scratch && c.ScratchTokenizerFor(world) is { Kind: Text.ScratchTokenizer.Learned } learned) fpFtParts.Add(learned.ToString()); // byte-level FT keeps its old fingerprint
        var fpFt = Fingerprint.Of(fpFtParts.ToArray());
        if (c.Ft.Steps > 0)
            manifest.Run("ft", fpFt, ["ft/" + Checkpoint.WeightsFile, "ft/training.json"], () => TrainFt(c, trainPool, P("ft"), device, log, progress?.Invoke("ft")));

        // 3. outcome models: cross-fitted on the held-out rows (evaluation and judge), confounded ĝ for the study
        var fpOutcome = Fingerprint.Of("outcome", fpPrepare, c.OutcomeModel.Folds.ToString(CultureInfo.InvariantCulture), c.Seed.ToString(CultureInfo.InvariantCulture), c.Study, c.Data.Confounded);
        var outcomeOutputs = new List<string>();
        if (test is not null) outcomeOutputs.AddRange(["outcome/heldout/" + OutcomeModels.FileName, "outcome/heldout_oof.json"]);
        if (c.IsConfoundingStudy) outcomeOutputs.Add("outcome/confounded/" + OutcomeModels.FileName);
        if (outcomeOutputs.Count > 0) manifest.Run("outcome", fpOutcome, outcomeOutputs.ToArray(), () => FitOutcomeModels(c, trainPool, test, outDir, log));
        var heldout = test is null ? null : JsonSerializer.Deserialize<HeldoutOutcome>(File.ReadAllText(P("outcome/heldout_oof.json")), ReportJson)!;

        // 4. reference table (log P̂^R under FT, cached for training; the held-out rows' logging probabilities)
        var fpReference = Fingerprint.Of("reference", fpPrepare, fpFt, c.Trainer.ValidationFraction.ToString("R", CultureInfo.InvariantCulture));
        if (test is not null) manifest.Run("reference", fpReference, ["eval/logging.json"], () => ReferenceStage(c, trainPool, test, ftPath, cache, outDir, device, log));

        // 5. X̃ ~ f0 = FT (cached for the DR-CPO and OO-RLHF runs)
        var runs = Runs(c);
        var fpTilde = Fingerprint.Of("xtilde", fpFt, fpPrepare, c.M.ToString(CultureInfo.InvariantCulture), c.Seed.ToString(CultureInfo.InvariantCulture), c.Trainer.ValidationFraction.ToString("R", CultureInfo.InvariantCulture));
        if (runs.Any(r => r.Kind != ObjectiveKind.Cpo))
            manifest.Run("xtilde", fpTilde, ["eval/xtilde.json"], () => TildeStage(c, trainPool, ftPath, cache, outDir, device, log));

        // 6. causal training runs
        var modelFp = new Dictionary<string, string> { ["ft"] = fpFt };
        var modelPath = new Dictionary<string, string> { ["ft"] = ftPath };
        foreach (var r in runs)
        {
            var fp = Fingerprint.Of("train", CausalTrainer.MethodVersion, OverlapOptions.Default.ToString(), r.Name, r.Kind.ToString(), fpFt, fpPrepare, r.ConfoundedG ? fpOutcome : "", fpTilde,
                JsonSerializer.Serialize(c.Trainer, PipelineConfig.Json), c.OutcomeModel.Folds.ToString(CultureInfo.InvariantCulture), r.SeedOffset.ToString(CultureInfo.InvariantCulture));
            var dir = P("models/" + r.Name);
            manifest.Run("train:" + r.Name, fp, ["models/" + r.Name + "/" + Checkpoint.WeightsFile, "models/" + r.Name + "/run.json"], () =>
            {
                var options = c.Trainer.ToOptions(c.Seed + r.SeedOffset, c.OutcomeModel.Folds, c.M);
                try
                {
                    CausalRun.Execute(new CausalRunRequest(trainPool, ftPath, r.Kind, r.ConfoundedG ? P("outcome/confounded") : null, options, dir, cache)
                        { Device = device, Progress = progress?.Invoke(r.Name), RestartOnSettingsChange = true }, log);
                }
                catch (InputException e) { throw e.Respell(PipelineTrainerConfig.KeyOf); }
            });
            modelFp[r.Name] = fp;
            modelPath[r.Name] = dir;
        }

        // 7. generate from every model, with the same sampler seed (common random numbers)
        var names = modelPath.Keys.ToList();
        var genFp = new Dictionary<string, string>();
        foreach (var name in names)
        {
            var fp = Fingerprint.Of("generate", modelFp[name], c.Eval.Samples.ToString(CultureInfo.InvariantCulture), c.Eval.MaxNewTokens.ToString(CultureInfo.InvariantCulture), c.Seed.ToString(CultureInfo.InvariantCulture));
            manifest.Run("generate:" + name, fp, ["samples/" + name + ".csv"], () => Generate(c, modelPath[name], P("samples/" + name + ".csv"), worldModel, device));
            genFp[name] = fp;
        }

        // 8. evaluate
        var fpEval = Fingerprint.Of(genFp.OrderBy(k => k.Key, StringComparer.Ordinal).Select(k => k.Value).Prepend("evaluate").Append(fpOutcome).Append(fpReference)
            .Append(string.Join(",", c.Eval.Estimators)).ToArray());
        manifest.Run("evaluate", fpEval, ["eval/values.json"], () => Evaluate(c, names, modelPath, test, heldout, outDir, worldModel, device, log));

        // 9. judge (held-out rows needed: its outcome model is fit on them)
        var fpJudge = Fingerprint.Of(genFp.OrderBy(k => k.Key, StringComparer.Ordinal).Select(k => k.Value).Prepend("judge").Append(fpOutcome)
            .Append(JsonSerializer.Serialize(c.Eval.Judge, PipelineConfig.Json)).Append(c.Study).ToArray());
        if (heldout is not null)
            manifest.Run("judge", fpJudge, ["judge/judgments.json"], () => Judge(c, runs, outDir, heldout, spec.HigherIsBetter, fpOutcome, log));

        // 10. report
        var fpReport = Fingerprint.Of("report", fpEval, fpJudge, string.Join(",", modelFp.Values), c.Study);
        var stem = ReportStem(c);
        if (test is null || heldout is null)
        {
            // the built-in world without held-out rows: every model's true value, the certified lifts beside the true ones
            manifest.Run("report", fpReport, [stem + ".json", stem + ".md"], () => Demo.WriteReport(c, runs.Select(r => (r.Name, r.Kind, r.ConfoundedG)).ToList(),
                outDir, worldModel!, manifest));
            return new PipelineResult(outDir, manifest.Ran, manifest.Skipped, null, JsonSerializer.Deserialize<DemoResults>(File.ReadAllText(P(stem + ".json")))!);
        }
        manifest.Run("report", fpReport, [stem + ".json", stem + ".md"], () => WriteReport(c, runs, outDir, trainPool, test, heldout, worldModel, log));
        var report = JsonSerializer.Deserialize<PipelineReport>(File.ReadAllText(P(stem + ".json")), ReportJson)!;
        return new PipelineResult(outDir, manifest.Ran, manifest.Skipped, report);
    }

    static List<RunSpec> Runs(PipelineConfig c)
    {
        if (!c.IsConfoundingStudy) return c.ObjectiveKinds.Distinct().Select(k => new RunSpec(CausalRun.Name(k), k, false, 0)).ToList();
        var runs = new List<RunSpec>
        {
            new("cpo", ObjectiveKind.Cpo, false, 0), new("cpo-seed2", ObjectiveKind.Cpo, false, 1),
            new("dr-cpo", ObjectiveKind.DrCpo, false, 0), new("dr-cpo-confounded", ObjectiveKind.DrCpo, true, 0),
            new("oo-rlhf", ObjectiveKind.OoRlhf, false, 0), new("oo-rlhf-confounded", ObjectiveKind.OoRlhf, true, 0),
        };
        if (c.SeedCheck == false) runs.RemoveAll(r => r.SeedOffset != 0);
        return runs;
    }

    /// <summary>The dataset spec of the prepared files (train.csv, test.csv) for this config.</summary>
    public static DatasetSpec SpecFor(PipelineConfig c)
    {
        var d = c.Data;
        if (d.Source.Equals("world", StringComparison.OrdinalIgnoreCase))
            return new DatasetSpec("", "text") { OutcomeColumn = "outcome", HigherIsBetter = true, Kind = d.Kind == "binary" ? OutcomeKind.Binary : OutcomeKind.Continuous, LogPropensityColumn = d.LogPropensity };
        var kind = d.Kind.ToLowerInvariant() switch
        {
            "auto" => OutcomeKind.Auto, "continuous" => OutcomeKind.Continuous, "binary" => OutcomeKind.Binary, "binomial" => OutcomeKind.Binomial,
            _ => throw new InputException($"unknown data.kind '{d.Kind}'; use auto, continuous, binary or binomial", column: "data.kind"),
        };
        return new DatasetSpec("", d.Text)
        {
            OutcomeColumn = d.Outcome, ClicksColumn = d.Clicks, ImpressionsColumn = d.Impressions, GroupColumn = d.Group, WeightColumn = d.Weight,
            LogPropensityColumn = d.Design?.Column ?? d.LogPropensity, HigherIsBetter = d.Direction == "higher", Kind = kind,
        };
    }

    static torch.Device ParseDevice(string s)
    {
        TorchRuntime.EnsureLoaded();
        if (s.StartsWith("cuda", StringComparison.OrdinalIgnoreCase) && !torch.cuda.is_available())
            throw new InputException($"model.device is '{s}' but CUDA is not available to libtorch in this process; use \"cpu\" or a CUDA build of libtorch (README, GPU section)", column: "model.device");
        if (!(s.Equals("cpu", StringComparison.OrdinalIgnoreCase) || System.Text.RegularExpressions.Regex.IsMatch(s, "^cuda(:[0-9]+)?$", System.Text.RegularExpressions.RegexOptions.IgnoreCase)))
            throw new InputException($"model.device '{s}' is not a device this tool runs on; use \"cpu\", \"cuda\" or \"cuda:N\"", column: "model.device");
        return new torch.Device(s);
    }

    // ── stages ─────────────────────────────────────────────────────────────────────────────────────────────────────

    /// <summary>Counts written by the prepare stage (data/prepare.json).</summary>
    public sealed record PrepareSummary(string Source, int RowsRead, WeekExclusion? Exclusion, int RowsAfterCap, int TrainRows, int TestRows, int? TrainGroups, int? TestGroups, string? Design);

    static void Prepare(PipelineConfig c, World? world, string outDir, TextWriter log)
    {
        string P(string rel) => Path.Combine(outDir, rel);
        var d = c.Data;
        Table table;
        if (world != null)
        {
            SimulatedDataCsv.Write(P(Prepared), world.Generate(d.WorldRows, (int)c.Seed * 7 + 1));
            if (c.IsConfoundingStudy && d.Confounded == "world") SimulatedDataCsv.Write(P(ConfCsv), world.Generate(d.WorldRows, (int)c.Seed * 7 + 2, confounded: true));
            log.WriteLine($"world: {world.Grammar.Count} grammatical texts; true value under randomization {world.ExpectedValueUnderPR():F3}, best text {world.BestPossibleValue():F3}");
            table = TableReader.Read(P(Prepared));
        }
        else table = TableReader.Read(c.DataPath!);
        int read = table.RowCount;
        WeekExclusion? excl = null;
        if (d.Design is { } des && des.ExcludeWeeks is { } w)
        {
            (table, excl) = DesignPropensity.ExcludeWeeks(table, des.Week, des.Test, w[0], w[1]);
            log.WriteLine(excl.ToString());
        }
        var capped = DesignPropensity.Cap(table, d.MaxRows, d.Group, (int)(c.Seed % int.MaxValue));
        if (capped.RowCount < table.RowCount)
            log.WriteLine($"max_rows {d.MaxRows}: kept {capped.RowCount} of {table.RowCount} rows ({(d.Group is null ? "random rows" : "whole groups of " + d.Group)}, seed {c.Seed}); the rest are not used");
        table = capped;
        if (d.Design is { } ds)
        {
            var method = DesignPropensity.ParseMethod(ds.Method);
            table = DesignPropensity.WithColumn(table, ds.Column, DesignPropensity.LogPropensities(table, ds.Test, ds.Impressions, method));
            log.WriteLine($"design log-propensities ({ds.Method}) in column '{ds.Column}' for {table.RowCount} rows");
        }
        var spec = SpecFor(c);
        // The user's rows are validated before prepared.csv is written, so that a problem is reported against the
        // user's file, row and column (the table keeps both), never against OUT/data/prepared.csv.
        if (world == null) DirectOutcomeDataset.FromTable(table, spec with { Path = table.Path });
        DesignPropensity.WriteCsv(table, P(Prepared));
        var all = DirectOutcomeDataset.Load(spec with { Path = P(Prepared) });
        var t2 = TableReader.Read(P(Prepared));
        int? Groups(DirectOutcomeDataset x) => spec.GroupColumn is null ? null : x.Rows.Select(r => r.Group).Distinct().Count();
        PrepareSummary summary;
        if (!c.HasHeldOut)
        {
            // no held-out rows (the built-in world only): every row trains, in the order simulated
            DesignPropensity.WriteCsv(new Table(P(TrainCsv), t2.Columns, all.Rows.Select(r => DesignPropensity.Row(t2, r.Index))), P(TrainCsv));
            summary = new PrepareSummary("world", read, excl, all.Rows.Count, all.Rows.Count, 0, Groups(all), null, d.Design?.Method);
            log.WriteLine($"no held-out rows: all {all.Rows.Count} rows train; the world's true values evaluate the models");
        }
        else
        {
            var (train, test) = all.Split(d.TestFraction, TestSplitSeed + (int)(c.Seed % 1000)); // Refutation uses the same seed
            DesignPropensity.WriteCsv(new Table(P(TrainCsv), t2.Columns, train.Rows.Select(r => DesignPropensity.Row(t2, r.Index))), P(TrainCsv));
            DesignPropensity.WriteCsv(new Table(P(TestCsv), t2.Columns, test.Rows.Select(r => DesignPropensity.Row(t2, r.Index))), P(TestCsv));
            summary = new PrepareSummary(world != null ? "world" : c.DataPath!, read, excl, all.Rows.Count, train.Rows.Count, test.Rows.Count, Groups(train), Groups(test), d.Design?.Method);
            log.WriteLine($"split: {train.Rows.Count} training rows, {test.Rows.Count} held-out rows{(spec.GroupColumn is null ? "" : $" ({Groups(train)} / {Groups(test)} groups of '{spec.GroupColumn}')")}");
        }
        AtomicFile.WriteAllText(P("data/prepare.json"), JsonSerializer.Serialize(summary, new JsonSerializerOptions { WriteIndented = true }));
    }

    static void TrainFt(PipelineConfig c, DirectOutcomeDataset trainPool, string dir, torch.Device? device, TextWriter log, IProgress<TrainingProgress>? progress)
    {
        // FT holds out the rows every later stage holds out (trainer.validation_fraction), so that no stage validates on FT's training rows
        var options = new SftOptions
        {
            Steps = c.Ft.Steps, BatchSize = c.Ft.BatchSize, LearningRate = c.Ft.Lr, Seed = c.Seed, StopAtLoss = c.Ft.StopAtLoss,
            ValidationFraction = c.Trainer.ValidationFraction, Tokenizer = c.ScratchTokenizerFor(c.Data.Source.Equals("world", StringComparison.OrdinalIgnoreCase)),
        };
        try { SftRun.Execute(new SftRequest(trainPool, c.Model.Base, options, dir) { Device = device, Progress = progress, RestartOnSettingsChange = true }, log); }
        catch (InputException e) { throw e.Respell(FtKeyOf); }
    }

    /// <summary>The config key of an <see cref="SftOptions"/> parameter.</summary>
    internal static string FtKeyOf(string parameter) => parameter switch
    {
        "validation_fraction" => "trainer.validation_fraction", "seed" => "seed", "tokenizer" or "vocab_size" => "model." + parameter, _ => "ft." + parameter,
    };

    /// <summary>The held-out outcome model's cross-fitted predictions on the held-out rows (outcome/heldout_oof.json).</summary>
    public sealed record HeldoutOutcome(double[] OutOfFold, int Folds, double R2, double? Auc, string Description);

    static void FitOutcomeModels(PipelineConfig c, DirectOutcomeDataset trainPool, DirectOutcomeDataset? test, string outDir, TextWriter log)
    {
        string P(string rel) => Path.Combine(outDir, rel);
        if (test is not null)
        {
            var cf = OutcomePredictions.CrossFitLexical(test, c.OutcomeModel.Folds, c.Seed);
            cf.FinalModel.Save(P("outcome/heldout"));
            var desc = $"{cf.FinalModel.Kind} fit on the {test.Rows.Count} held-out rows' real outcomes ({cf.Folds}-fold cross-fitted for DR/DM estimates)";
            AtomicFile.WriteAllText(P("outcome/heldout_oof.json"), JsonSerializer.Serialize(new HeldoutOutcome(cf.OutOfFold, cf.Folds, cf.R2, cf.Auc, desc), ReportJson));
            log.WriteLine($"held-out outcome model: out-of-fold R² {cf.R2:F3}{(cf.Auc is double a ? $", AUC {a:F3}" : "")} ({desc})");
        }
        if (!c.IsConfoundingStudy) return;
        var m = new LexicalLinearModel();
        if (c.Data.Confounded == "world")
        {
            var conf = DirectOutcomeDataset.Load(SpecFor(c) with { Path = P(ConfCsv), LogPropensityColumn = null });
            m.Fit(conf.Rows.Select(r => r.Text).ToArray(), conf.Rows.Select(r => r.Outcome).ToArray());
            log.WriteLine($"confounded ĝ: fit on {conf.Rows.Count} rows from the world's confounded mechanism (haters)");
        }
        else
        {
            m.Fit(trainPool.Rows.Select(r => r.Text).ToArray(), trainPool.Rows.Select(r => 0.0 - r.Outcome).ToArray(), trainPool.Rows.Select(r => r.Weight).ToArray());
            log.WriteLine($"confounded ĝ: fit on the negated outcome −Y of the {trainPool.Rows.Count} training rows (the paper's 'Confounded' data)");
        }
        m.Save(P("outcome/confounded"));
    }

    /// <summary>The held-out rows' logging log-probabilities (eval/logging.json).</summary>
    public sealed record LoggingTable(string Source, double[] LogProb);

    static void ReferenceStage(PipelineConfig c, DirectOutcomeDataset trainPool, DirectOutcomeDataset test, string ftPath, string cache, string outDir, torch.Device? device, TextWriter log)
    {
        LoggingTable table;
        if (trainPool.Spec.LogPropensityColumn is { } col)
        {
            table = new LoggingTable($"design probabilities (column '{col}')", test.Rows.Select(r => r.LogPropensity!.Value).ToArray());
            log.WriteLine($"reference: design probabilities from '{col}'; no model scoring needed");
        }
        else
        {
            using var loaded = LoadedModel.Open(ftPath, device);
            var (model, tok) = loaded;
            var (tr, va) = trainPool.Split(c.Trainer.ValidationFraction, DirectOutcomeDataset.ValidationSplitSeed);
            ReferenceTable.Get(ftPath, model, tok, tr.Rows.Select(r => r.Text).ToArray(), null, cache);
            ReferenceTable.Get(ftPath, model, tok, va.Rows.Select(r => r.Text).ToArray(), null, cache);
            var (lp, _) = ReferenceTable.Get(ftPath, model, tok, test.Rows.Select(r => r.Text).ToArray(), null, cache);
            table = new LoggingTable("P̂^R = the FT model (no design probabilities)", lp);
            log.WriteLine($"reference: log P̂^R under FT for {tr.Rows.Count} + {va.Rows.Count} training and {test.Rows.Count} held-out rows (cached)");
        }
        AtomicFile.WriteAllText(Path.Combine(outDir, "eval/logging.json"), JsonSerializer.Serialize(table));
    }

    static void TildeStage(PipelineConfig c, DirectOutcomeDataset trainPool, string ftPath, string cache, string outDir, torch.Device? device, TextWriter log)
    {
        using var loaded = LoadedModel.Open(ftPath, device);
        var (model, tok) = loaded;
        var (tr, _) = trainPool.Split(c.Trainer.ValidationFraction, DirectOutcomeDataset.ValidationSplitSeed);
        int m = c.M > 0 ? c.M : 2 * tr.Rows.Count; // as CausalRun chooses it, so the run finds the cache
        var (set, cached) = UnlabeledSamples.Get(ftPath, model, tok, m, null, new SamplerSettings { Seed = c.Seed }, cache);
        log.WriteLine($"X̃: {m} samples from f0 = FT ({(cached ? "cached" : "sampled")})");
        AtomicFile.WriteAllText(Path.Combine(outDir, "eval/xtilde.json"), JsonSerializer.Serialize(new { m, non_canonical = set.NonCanonical, mean_length = set.Texts.Average(t => (double)t.Length) }));
    }

    static void Generate(PipelineConfig c, string modelDir, string path, World? world, torch.Device? device)
    {
        using var loaded = LoadedModel.Open(modelDir, device);
        var (model, tok) = loaded;
        var gen = TextGenerator.Generate(model, tok, new string?[c.Eval.Samples], new SamplerSettings { Seed = SamplerSettings.EvaluationSeedOffset + c.Seed, MaxNewTokens = c.Eval.MaxNewTokens });
        var cols = world is null ? new[] { "text", "logprob", "complete" } : new[] { "text", "logprob", "complete", "true_mean", "grammatical", "phrase_sum" };
        TableWriter.Write(path, cols, gen.Select(x => (IReadOnlyList<object?>)(world is null
            ? new object?[] { x.Text, x.LogProb, x.Complete }
            : new object?[] { x.Text, x.LogProb, x.Complete, world.TrueMean(x.Text), world.IsGrammatical(x.Text) ? 1 : 0, world.PhraseSumMean(x.Text) })));
    }

    internal static string[] ReadSamples(string outDir, string name)
    {
        var t = TableReader.Read(Path.Combine(outDir, "samples", name + ".csv"));
        return Enumerable.Range(0, t.RowCount).Select(r => t.Get(r, "text") ?? "").ToArray();
    }
}
