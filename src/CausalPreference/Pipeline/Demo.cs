using System.Diagnostics;
using System.Text;
using System.Text.Json;
using CausalPreference.Causal;
using CausalPreference.Data;
using CausalPreference.IO;
using CausalPreference.Models;
using CausalPreference.Outcome;
using CausalPreference.Simulation;
using CausalPreference.Text;
using CausalPreference.Training;

namespace CausalPreference.Pipeline;

/// <summary>Settings of the embedded demo (defaults sized for 2 CPU cores).</summary>
public sealed record DemoOptions
{
    /// <summary>Output folder: the simulated data, each model's folder, results.json, results.md, true_values.png and a
    /// <c>.cache</c> of precomputed tables.</summary>
    public string OutDir { get; init; } = "runs/demo";
    /// <summary>Seed of the whole run: the world, its data, FT's and the causal runs' training, and the evaluation samples.</summary>
    public int Seed { get; init; } = 1;
    /// <summary>Randomized rows (and as many confounded rows).</summary>
    public int Rows { get; init; } = 1500;
    /// <summary>Most FT optimizer steps (batch 32); the tiny model needs 300–600 to learn the grammar, depending on its
    /// initialization. FT stops at the first epoch whose validation loss reaches <see cref="FtTargetLoss"/>.</summary>
    public int FtSteps { get; init; } = 800;
    /// <summary>Validation loss (nats per token) at which FT has learned the grammar well enough (about 85% grammatical samples).</summary>
    public double FtTargetLoss { get; init; } = 0.185;
    /// <summary>Training epochs of each causal run (CPO, DR-CPO, OO-RLHF).</summary>
    public int Epochs { get; init; } = 2;
    /// <summary>Rows per optimizer step in the causal runs.</summary>
    public int BatchSize { get; init; } = 4;
    /// <summary>Full fine-tuning of the tiny model moves fast: 3e-5 (below the paper's 5e-5 for LoRA on Llama 2 7B) keeps most samples grammatical.</summary>
    public double LearningRate { get; init; } = 3e-5;
    /// <summary>The FT model to train from scratch: "tiny" (default) or "micro" (tests).</summary>
    public string Base { get; init; } = "tiny";
    /// <summary>X̃ samples drawn from FT for DR-CPO and OO-RLHF (0 = twice the training rows).</summary>
    public int UnlabeledSamples { get; init; }
    /// <summary>λ of the likelihood anchor: with <see cref="PaperExact"/> a fixed λ (0 = the paper's objectives; see
    /// ObjectiveOptions); otherwise the adaptive anchor's starting λ (0 = its default).</summary>
    public double AnchorWeight { get; init; }
    /// <summary>The paper's exact objectives and per-epoch selection by the validation V̂ (overlap-aware training off).</summary>
    public bool PaperExact { get; init; }
    /// <summary>Texts sampled from each model to measure its true value.</summary>
    public int EvalSamples { get; init; } = 600;
    /// <summary>Share of the randomized rows held out (FT's validation rows, and the causal runs' selection and certificate rows).</summary>
    public double ValidationFraction { get; init; } = 0.2;
    /// <summary>A faster, rougher demo into <paramref name="outDir"/>: 800 rows, at most 500 FT steps, 300 evaluation
    /// samples per model.</summary>
    public static DemoOptions Quick(string outDir, int seed) => new() { OutDir = outDir, Seed = seed, Rows = 800, FtSteps = 500, Epochs = 2, EvalSamples = 300 };
}

/// <summary>One model's row in the demo's results.</summary>
/// <param name="Name">The model's name in the tables (FT, CPO, DR-CPO, OO-RLHF, …).</param>
/// <param name="Objective">The objective it was trained with (empty for FT).</param>
/// <param name="OutcomeModel">The outcome model ĝ its objective used (empty when none).</param>
/// <param name="CiLow">Lower end of the 95% interval of <paramref name="TrueValue"/>.</param>
/// <param name="CiHigh">Upper end of that interval.</param>
/// <param name="StdError">Standard error of <paramref name="TrueValue"/> over the samples.</param>
/// <param name="Samples">How many texts were sampled from the model and scored.</param>
/// <param name="FractionGrammatical">Share of those samples inside the world's grammar.</param>
/// <param name="ValidationEssFraction">Kish ESS fraction of the importance weights on the validation rows at the kept checkpoint (null for FT).</param>
/// <param name="Seconds">Wall-clock seconds its training took.</param>
/// <param name="Certified">The certificate's lower bound as a table cell (empty for FT).</param>
/// <param name="FinalAnchorWeight">λ of the adaptive likelihood anchor at the end of training (null when no anchor ran).</param>
/// <param name="Alarms">Training alarms raised during the run (null when none).</param>
/// <param name="TrueValue">Mean g* of the model's samples under the realistic reader (a text outside the grammar gets the world's floor).</param>
/// <param name="PhraseSumValue">The same samples under the lenient phrase-sum score of the paper's setting.</param>
/// <param name="TrueImprovement">TrueValue − FT's TrueValue.</param>
/// <param name="GrammaticalValue">Mean g* of the model's grammatical samples alone (better texts, apart from more readable ones).</param>
/// <param name="Certificate">The run's held-out certificate of its improvement over FT (null for FT).</param>
public sealed record DemoModelResult(string Name, string Objective, string OutcomeModel, double TrueValue, double CiLow, double CiHigh,
    double StdError, int Samples, double FractionGrammatical, double? ValidationEssFraction, double Seconds,
    double PhraseSumValue = double.NaN, double TrueImprovement = 0, double? GrammaticalValue = null, ImprovementCertificate? Certificate = null, string Certified = "",
    double? FinalAnchorWeight = null, IReadOnlyList<string>? Alarms = null)
{
    /// <summary>True when the certified lower bound is at or below the true improvement (the bound held).</summary>
    public bool? BoundHolds => Certificate is { } c && double.IsFinite(c.Lower) ? c.Lower <= TrueImprovement : null;
}

/// <summary>The demo's results (results.json).</summary>
public sealed record DemoResults(int Seed, int Rows, double ValueUnderRandomization, double BestPossibleValue,
    IReadOnlyList<DemoModelResult> Models, double? OutcomeModelR2Randomized, double? OutcomeModelR2Confounded, double TotalSeconds,
    double FtValidationLoss = double.NaN, long FtSteps = 0, double FtTargetLoss = double.NaN, double AnchorWeight = 0,
    bool PaperExact = false, double OutcomeFloor = double.NaN);

/// <summary>
/// The embedded default, end to end on a built-in world with known truth: simulate randomized and confounded
/// direct-outcome data → FT (the tiny model, from scratch) → ĝ on randomized data (cross-fitted) and on confounded data →
/// CPO, DR-CPO, OO-RLHF, and DR-CPO / OO-RLHF with the confounded ĝ → sample from each model → each model's TRUE value
/// E_{X~f}[g*(X)] with a 95% CI (the world knows g*) → a table, results.json, results.md and a bar chart.
/// </summary>
public static class Demo
{
    /// <summary>Runs the whole demo (see <see cref="Demo"/>) into <see cref="DemoOptions.OutDir"/>, writing progress lines to
    /// <paramref name="log"/>, and returns the results it also writes (see <see cref="Write"/>).
    /// <paramref name="progress"/> gives a training progress sink for each stage by its name ("ft", then a slug of each causal
    /// run's name such as "dr-cpo"), or null for none.</summary>
    public static DemoResults Run(DemoOptions o, TextWriter log, Func<string, IProgress<TrainingProgress>?>? progress = null)
    {
        var total = Stopwatch.StartNew();
        var world = new World(WorldConfig.Default() with { Seed = o.Seed });
        Directory.CreateDirectory(o.OutDir);
        var cache = Path.Combine(o.OutDir, ".cache");
        var randomized = Path.Combine(o.OutDir, "data", "randomized.csv");
        var confounded = Path.Combine(o.OutDir, "data", "confounded.csv");
        SimulatedDataCsv.Write(randomized, world.Generate(o.Rows, o.Seed * 7 + 1));
        SimulatedDataCsv.Write(confounded, world.Generate(o.Rows, o.Seed * 7 + 2, confounded: true));
        log.WriteLine($"world: {world.Grammar.Count} grammatical texts; true value under randomization {world.ExpectedValueUnderPR():F3}, best text {world.BestPossibleValue():F3} (\"{world.BestText()}\")");
        log.WriteLine($"data: {o.Rows} randomized rows -> {randomized}; {o.Rows} confounded rows -> {confounded}");

        // The log_propensity column (the exact design probabilities) serves the held-out certificate; the objectives use
        // the FT model as P̂^R, as in the paper (ReferenceFromModel below).
        var spec = new DatasetSpec(randomized, "text") { OutcomeColumn = "outcome", HigherIsBetter = true, Kind = OutcomeKind.Continuous, LogPropensityColumn = "log_propensity" };
        var ds = DirectOutcomeDataset.Load(spec);

        // FT: the tiny model from scratch on the randomized texts
        var ftDir = Path.Combine(o.OutDir, "ft");
        var sw = Stopwatch.StartNew();
        var ft = SftRun.Execute(new SftRequest(ds, o.Base,
            new SftOptions { Steps = o.FtSteps, BatchSize = SftOptions.ScratchBatchSize, LearningRate = SftOptions.ScratchLearningRate, Seed = o.Seed,
                             StopAtLoss = o.FtTargetLoss, ValidationFraction = o.ValidationFraction, Tokenizer = new ScratchTokenizer(ScratchTokenizer.Bytes) }, ftDir)
        { Progress = progress?.Invoke("ft"), RestartOnSettingsChange = true }, log).Result;
        double ftSeconds = sw.Elapsed.TotalSeconds;

        // ĝ trained on confounded data (for the confounding study), saved like any user's outcome model
        var gConfDir = Path.Combine(o.OutDir, "outcome_confounded");
        var confDs = DirectOutcomeDataset.Load(spec with { Path = confounded });
        var gConf = new LexicalLinearModel();
        gConf.Fit(confDs.Rows.Select(r => r.Text).ToArray(), confDs.Rows.Select(r => r.Outcome).ToArray());
        gConf.Save(gConfDir);
        var gConfR2OnTruth = Metrics.R2(world.Grammar.Select(g => g.TrueMean).ToArray(), gConf.Predict(world.Grammar.Select(g => g.Text).ToArray()));

        var runs = new (string name, ObjectiveKind kind, string? gDir, string gLabel)[]
        {
            ("CPO", ObjectiveKind.Cpo, null, "none"),
            ("DR-CPO", ObjectiveKind.DrCpo, null, "randomized (cross-fitted)"),
            ("OO-RLHF", ObjectiveKind.OoRlhf, null, "randomized (cross-fitted)"),
            ("DR-CPO (confounded ĝ)", ObjectiveKind.DrCpo, gConfDir, "confounded"),
            ("OO-RLHF (confounded ĝ)", ObjectiveKind.OoRlhf, gConfDir, "confounded"),
        };
        var ftResult = Evaluate(world, "FT", "ft", "none", ftDir, o, null, ftSeconds, null);
        var results = new List<DemoModelResult> { ftResult };
        // the FT model is P̂^R (ReferenceFromModel); the world's floor is the outcome of a text outside the grammar
        var training = new CausalTrainingOptions
        {
            Trainer = new TrainerOptions { Epochs = o.Epochs, BatchSize = o.BatchSize, LearningRate = o.LearningRate, Seed = o.Seed },
            ValidationFraction = o.ValidationFraction, AnchorWeight = o.AnchorWeight, PaperExact = o.PaperExact, M = o.UnlabeledSamples,
            OutcomeFloor = world.OutcomeFloor, ReferenceFromModel = true,
        }.Validated();
        double? gR2 = null;
        foreach (var (name, kind, gDir, gLabel) in runs)
        {
            sw.Restart();
            var dir = Path.Combine(o.OutDir, Slug(name));
            log.WriteLine($"{name}: training from FT");
            var summary = CausalRun.Execute(new CausalRunRequest(ds, ftDir, kind, gDir,
                training, dir, cache) { Progress = progress?.Invoke(Slug(name)), RestartOnSettingsChange = true }, log);
            if (gDir is null && summary.OutcomeModelR2 is double r2) gR2 = r2;
            var m = Evaluate(world, name, CausalRun.Name(kind), gLabel, dir, o, summary.ValidationEssFraction, sw.Elapsed.TotalSeconds, ftResult);
            results.Add(m with { Certificate = summary.Certificate, Certified = summary.Certified, FinalAnchorWeight = summary.FinalAnchorWeight, Alarms = summary.Alarms });
        }
        var res = new DemoResults(o.Seed, o.Rows, world.ExpectedValueUnderPR(), world.BestPossibleValue(), results, gR2, gConfR2OnTruth, total.Elapsed.TotalSeconds,
            ft.BestValidationLoss, ft.Steps, o.FtTargetLoss, o.AnchorWeight, o.PaperExact, world.OutcomeFloor);
        Write(res, o.OutDir);
        return res;
    }

    static DemoModelResult Evaluate(World world, string name, string objective, string g, string modelDir, DemoOptions o, double? ess, double seconds, DemoModelResult? ft)
    {
        using var loaded = LoadedModel.Open(modelDir);
        var (model, tok) = loaded;
        var gen = TextGenerator.Generate(model, tok, new string?[o.EvalSamples], new SamplerSettings { Seed = SamplerSettings.EvaluationSeedOffset + o.Seed });
        var texts = gen.Select(x => x.Text).ToArray();
        TableWriter.Write(Path.Combine(modelDir, "samples.csv"), new[] { "text", "logprob", "true_mean", "grammatical", "phrase_sum" },
            gen.Select(x => (IReadOnlyList<object?>)new object?[] { x.Text, x.LogProb, world.TrueMean(x.Text), world.IsGrammatical(x.Text) ? 1 : 0, world.PhraseSumMean(x.Text) }));
        var tv = world.TrueValue(texts);
        return new DemoModelResult(name, objective, g, tv.Mean, tv.CiLow, tv.CiHigh, tv.StdError, tv.N, tv.FractionGrammatical, ess, seconds,
            tv.PhraseSumMean, ft is null ? 0 : tv.Mean - ft.TrueValue, double.IsNaN(tv.GrammaticalMean) ? null : tv.GrammaticalMean);
    }

    static string Slug(string s) => new string(s.ToLowerInvariant().Select(c => char.IsLetterOrDigit(c) ? c : '-').ToArray()).Replace("ĝ", "g").Trim('-').Replace("--", "-");

    /// <summary>Writes results.json, results.md (<see cref="Markdown"/>) and the bar chart true_values.png
    /// (<see cref="DemoPlot"/>) into <paramref name="dir"/>, each atomically.</summary>
    public static void Write(DemoResults r, string dir)
    {
        AtomicFile.WriteAllText(Path.Combine(dir, "results.json"), JsonSerializer.Serialize(r, new JsonSerializerOptions { WriteIndented = true }));
        AtomicFile.WriteAllText(Path.Combine(dir, "results.md"), Markdown(r));
        DemoPlot.Write(r, Path.Combine(dir, "true_values.png"));
    }

    /// <summary>The results as results.md: a summary of the run's settings and the table of each model's true value, its
    /// 95% CI, grammatical share, phrase-sum value, true and certified improvement over FT, final λ and validation ESS.</summary>
    public static string Markdown(DemoResults r)
    {
        var sb = new StringBuilder();
        sb.AppendLine($"Demo (seed {r.Seed}, {r.Rows} randomized rows). True value under randomization: {r.ValueUnderRandomization:F3}; best possible: {r.BestPossibleValue:F3}.");
        if (r.FtSteps > 0)
            sb.AppendLine($"FT: validation loss {r.FtValidationLoss:F3} nats/token after {r.FtSteps} steps (target {r.FtTargetLoss:F3}{(r.FtValidationLoss <= r.FtTargetLoss ? ", reached" : ", NOT reached")}). Whole run: {r.TotalSeconds:F0} s.");
        if (r.PaperExact)
            sb.AppendLine(r.AnchorWeight > 0 ? $"The paper's objectives (paper-exact) with a fixed likelihood anchor, λ = {r.AnchorWeight:G4}." : "The paper's exact objectives (paper-exact): no anchor, best epoch by the validation V̂.");
        else
            sb.AppendLine("Overlap-aware training (the default): adaptive likelihood anchor, checkpoint chosen by a certified bound on half the held-out rows, certified on the other half.");
        sb.AppendLine($"True value: the realistic reader (a text outside the grammar gets {r.OutcomeFloor:G3}, the lowest rating). Phrase-sum: the paper's lenient yardstick (phrases count in any string).");
        sb.AppendLine();
        sb.AppendLine("| model | outcome model ĝ | true value | 95% CI | grammatical | value of its grammatical texts | phrase-sum | true Δ vs FT | certified Δ ≥ (95%) | λ at the chosen step | validation ESS |");
        sb.AppendLine("|---|---|---|---|---|---|---|---|---|---|---|");
        foreach (var m in r.Models)
        {
            string cert = m.Certificate?.Cell ?? "–";
            sb.AppendLine($"| {m.Name} | {m.OutcomeModel} | {m.TrueValue:F3} | [{m.CiLow:F3}, {m.CiHigh:F3}] | {m.FractionGrammatical:P0} | {(m.GrammaticalValue is double gv ? gv.ToString("F3") : "–")} | {m.PhraseSumValue:F3} | " +
                          $"{(m.Name == "FT" ? "–" : m.TrueImprovement.ToString("+0.000;-0.000"))} | {cert} | {(m.FinalAnchorWeight is double l ? l.ToString("G3") : "–")} | " +
                          $"{(m.ValidationEssFraction is double e ? e.ToString("P0") : "–")} |");
        }
        var bounds = r.Models.Where(m => m.BoundHolds != null).ToList();
        if (bounds.Count > 0)
            sb.AppendLine().AppendLine($"Certified lower bound at or below the true improvement in {bounds.Count(m => m.BoundHolds == true)} of {bounds.Count} models.");
        foreach (var m in r.Models.Where(m => m.Alarms is { Count: > 0 }))
            foreach (var a in m.Alarms!) sb.AppendLine($"- ALARM ({m.Name}): {a}");
        return sb.ToString();
    }
}
