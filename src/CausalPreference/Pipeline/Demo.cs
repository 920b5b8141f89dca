using System.Text;
using System.Text.Json;
using CausalPreference.Causal;
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
/// The embedded default, end to end on a built-in world with known truth, as a built-in pipeline config
/// (<see cref="Config"/>, run by <see cref="PipelineRunner"/> and written to OUT/config.json, so that
/// the pipeline verb given OUT/config.json reruns it): simulate randomized and confounded direct-outcome data →
/// FT (the tiny model, from scratch) → ĝ on confounded data (the randomized ĝ is cross-fitted inside each run) →
/// CPO, DR-CPO, OO-RLHF, and DR-CPO / OO-RLHF with the confounded ĝ → sample from each model → each model's TRUE value
/// E_{X~f}[g*(X)] with a 95% CI (the world knows g*) → a table, results.json, results.md and a bar chart
/// (<see cref="WriteReport"/>, the pipeline's report for a world run without held-out rows).
/// </summary>
public static class Demo
{
    /// <summary>The demo as a pipeline config: the built-in world with no held-out rows (its truth evaluates every
    /// model), FT from scratch with the byte tokenizer until <see cref="DemoOptions.FtTargetLoss"/>, the confounding study
    /// without the second CPO seed, P̂^R from the FT model, the world's floor as the outcome of a text outside its grammar.</summary>
    public static PipelineConfig Config(DemoOptions o)
    {
        var world = new World(WorldConfig.Default() with { Seed = o.Seed });
        var model = o.Base == "micro" ? ModelConfig.Micro : ModelConfig.Tiny;
        return new PipelineConfig
        {
            Name = "demo", Out = o.OutDir, Seed = o.Seed, Study = "confounding", SeedCheck = false,
            Data = new PipelineDataConfig { Source = "world", WorldRows = o.Rows, TestFraction = 0, Confounded = "world", LogPropensity = "log_propensity", Kind = "continuous" },
            Model = new PipelineModelConfig { Base = o.Base, Tokenizer = ScratchTokenizer.Bytes },
            Ft = new PipelineFtConfig { Steps = o.FtSteps, BatchSize = SftOptions.ScratchBatchSize, Lr = SftOptions.ScratchLearningRate, StopAtLoss = o.FtTargetLoss },
            Trainer = new PipelineTrainerConfig
            {
                Epochs = o.Epochs, BatchSize = o.BatchSize, Lr = o.LearningRate, MaxGradNorm = new TrainerOptions().MaxGradNorm, ValidationFraction = o.ValidationFraction,
                AnchorWeight = o.AnchorWeight, PaperExact = o.PaperExact, OutcomeFloor = world.OutcomeFloor, ReferenceFromModel = true,
            },
            M = o.UnlabeledSamples,
            // samples run until EOS or a full context, as the world's texts need
            Eval = new PipelineEvalConfig { Samples = o.EvalSamples, MaxNewTokens = model.ContextLength, Estimators = [], Judge = new PipelineJudgeConfig { OutcomeModel = false } },
        };
    }

    /// <summary>Runs (or resumes) the whole demo into <see cref="DemoOptions.OutDir"/>, writing progress lines to
    /// <paramref name="log"/>, and returns the results it also writes (results.json, results.md, true_values.png).
    /// <paramref name="progress"/> gives a training progress sink for each stage by its name ("ft", then each causal run's
    /// name such as "dr-cpo"), or null for none.</summary>
    public static DemoResults Run(DemoOptions o, TextWriter log, Func<string, IProgress<TrainingProgress>?>? progress = null) =>
        PipelineRunner.Run(Config(o), log, progress: progress).Truth!;

    /// <summary>The pipeline runs of the demo's table, in its order, with their display names and ĝ labels.</summary>
    static readonly (string Run, string Name, string OutcomeModel)[] Table =
    [
        ("cpo", "CPO", "none"), ("dr-cpo", "DR-CPO", "randomized (cross-fitted)"), ("oo-rlhf", "OO-RLHF", "randomized (cross-fitted)"),
        ("dr-cpo-confounded", "DR-CPO (confounded ĝ)", "confounded"), ("oo-rlhf-confounded", "OO-RLHF (confounded ĝ)", "confounded"),
        ("cpo-seed2", "CPO (seed 2)", "none"),
    ];

    /// <summary>
    /// The report of a world run without held-out rows (the demo's): each model's true value from its samples, the
    /// certified improvement its run claimed beside the true one, FT's validation loss, and ĝ's fit (randomized: its
    /// cross-fitted R²; confounded: its R² against the world's true means).
    /// </summary>
    internal static void WriteReport(PipelineConfig c, IReadOnlyList<(string Name, ObjectiveKind Kind, bool ConfoundedG)> runs, string outDir, World world, StageManifest manifest)
    {
        string P(string rel) => Path.Combine(outDir, rel);
        double Seconds(params string[] stages) => stages.Sum(s => manifest.Stages.TryGetValue(s, out var rec) ? rec.Seconds : 0);
        DemoModelResult Evaluate(string name, string objective, string g, string run, double? ess, DemoModelResult? ft)
        {
            var tv = world.TrueValue(PipelineRunner.ReadSamples(outDir, run));
            return new DemoModelResult(name, objective, g, tv.Mean, tv.CiLow, tv.CiHigh, tv.StdError, tv.N, tv.FractionGrammatical, ess,
                Seconds(run == "ft" ? "ft" : "train:" + run, "generate:" + run), tv.PhraseSumMean, ft is null ? 0 : tv.Mean - ft.TrueValue,
                double.IsNaN(tv.GrammaticalMean) ? null : tv.GrammaticalMean);
        }
        var ftResult = Evaluate("FT", "ft", "none", "ft", null, null);
        var results = new List<DemoModelResult> { ftResult };
        double? gR2 = null;
        foreach (var (run, name, g) in Table.Where(t => runs.Any(r => r.Name == t.Run)))
        {
            var spec = runs.First(r => r.Name == run);
            var summary = JsonSerializer.Deserialize<CausalRunSummary>(File.ReadAllText(P($"models/{run}/run.json")), CausalRun.RunJson)!;
            if (!spec.ConfoundedG && summary.OutcomeModelR2 is double r2) gR2 = r2;
            results.Add(Evaluate(name, CausalRun.Name(spec.Kind), g, run, summary.ValidationEssFraction, ftResult) with
            {
                Certificate = summary.Certificate, Certified = summary.Certified, FinalAnchorWeight = summary.FinalAnchorWeight, Alarms = summary.Alarms,
            });
        }
        double? gConfR2 = null;
        if (Directory.Exists(P("outcome/confounded")))
        {
            var gConf = OutcomeModels.Load(P("outcome/confounded"));
            gConfR2 = Metrics.R2(world.Grammar.Select(x => x.TrueMean).ToArray(), gConf.Predict(world.Grammar.Select(x => x.Text).ToArray()));
        }
        using var training = JsonDocument.Parse(File.ReadAllText(P("ft/training.json")));
        var ftLoss = training.RootElement.GetProperty("best_validation_loss") is { ValueKind: JsonValueKind.Number } l ? l.GetDouble() : double.NaN;
        var res = new DemoResults((int)c.Seed, c.Data.WorldRows, world.ExpectedValueUnderPR(), world.BestPossibleValue(), results, gR2, gConfR2,
            manifest.Stages.Values.Sum(s => s.Seconds), ftLoss, training.RootElement.GetProperty("steps").GetInt64(), c.Ft.StopAtLoss ?? double.NaN,
            c.Trainer.AnchorWeight ?? 0, c.Trainer.PaperExact, world.OutcomeFloor);
        Write(res, outDir);
    }

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
