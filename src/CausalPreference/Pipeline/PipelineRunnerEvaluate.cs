using System.Text.Json;
using CausalPreference.Causal;
using CausalPreference.Data;
using CausalPreference.Evaluation;
using CausalPreference.IO;
using CausalPreference.Models;
using CausalPreference.Outcome;
using CausalPreference.Simulation;
using TorchSharp;

namespace CausalPreference.Pipeline;

/// <summary>One model's off-policy value estimate on the held-out rows (raw outcome scale).</summary>
public sealed record ValueRow(string Model, string Estimator, double Estimate, double StdError, double CiLow, double CiHigh, double? EssFraction, int Clipped, string[] Warnings);

/// <summary>A paired difference V(model) − V(baseline) on the same held-out rows (<see cref="Estimators.Difference"/>).</summary>
/// <param name="Model">The model whose value is compared.</param>
/// <param name="Baseline">The model it is compared with (usually FT).</param>
/// <param name="Estimator">The off-policy estimator that produced both values (IPW, SNIPW, DM, DR, SNDR or WITHIN).</param>
/// <param name="Difference">V̂(model) − V̂(baseline), paired over the same rows.</param>
/// <param name="StdError">Standard error of the paired difference.</param>
/// <param name="CiLow">Lower end of its 95% interval.</param>
/// <param name="CiHigh">Upper end of its 95% interval.</param>
/// <param name="EffectiveRows">Importance-weighted estimators: the Kish ESS of the model's weights on the held-out rows.</param>
/// <param name="Experiments">WITHIN: held-out experiments with two or more rows.</param>
public sealed record LiftRow(string Model, string Baseline, string Estimator, double Difference, double StdError, double CiLow, double CiHigh,
    double? EffectiveRows = null, int? Experiments = null)
{
    /// <summary>True when the 95% interval contains 0.</summary>
    public bool CoversZero => CiLow <= 0 && CiHigh >= 0;
}

/// <summary>A model's true value on the built-in world: mean g* over its samples with a 95% CI.</summary>
public sealed record TrueValueRow(string Model, double Mean, double StdError, double CiLow, double CiHigh, double FractionGrammatical, int N,
    double PhraseSumMean = double.NaN);

/// <summary>What the evaluate stage writes (eval/values.json).</summary>
public sealed record EvaluationResult(string LoggingSource, string OutcomeModel, ValueRow[] Values, LiftRow[] Lifts, TrueValueRow[]? TrueValues,
    double? ValueUnderRandomization, double? BestPossibleValue);

/// <summary>One pairwise comparison by one judge (judge/judgments.json).</summary>
/// <param name="Judge">The judge's name (an outcome model or a chat model).</param>
/// <param name="Method">The model whose texts are judged against the baseline's.</param>
/// <param name="Baseline">The model it is compared with.</param>
/// <param name="Rate">Win rate of the method over the baseline among valid judgments.</param>
/// <param name="StdError">Standard error of the win rate.</param>
/// <param name="Lower">Lower end of the win rate's 95% interval.</param>
/// <param name="Upper">Upper end of the win rate's 95% interval.</param>
/// <param name="Wins">Judgments that preferred the method.</param>
/// <param name="Valid">Judgments that named a preference.</param>
/// <param name="Invalid">Answers that could not be parsed (excluded from the rate).</param>
/// <param name="Significant">True when the interval excludes 0.5.</param>
/// <param name="Kind">"vs-ft", "pair" (two methods) or "confounding" (unconfounded over confounded).</param>
public sealed record JudgeRow(string Judge, string Kind, string Method, string Baseline, double Rate, double StdError, double Lower, double Upper,
    int Wins, int Valid, int Invalid, bool Significant)
{
    /// <summary>The win rate as a <see cref="Evaluation.WinRate"/>.</summary>
    public WinRate ToWinRate() => new(Rate, StdError, Lower, Upper, Wins, Valid, Invalid);
}

public static partial class PipelineRunner
{
    static void Evaluate(PipelineConfig c, List<string> names, Dictionary<string, string> modelPath, DirectOutcomeDataset test, HeldoutOutcome heldout,
        string outDir, World? world, torch.Device? device, TextWriter log)
    {
        var logging = JsonSerializer.Deserialize<LoggingTable>(File.ReadAllText(Path.Combine(outDir, "eval/logging.json")))!;
        var g = OutcomeModels.Load(Path.Combine(outDir, "outcome/heldout"));
        var texts = test.Rows.Select(r => r.Text).ToArray();
        var y = test.Rows.Select(r => r.Outcome).ToArray();
        var w = test.Rows.Select(r => r.Weight).ToArray();
        var estimators = c.Eval.Estimators.Select(Estimators.ByName).ToArray();
        var samples = new Dictionary<string, LoggedSample>();
        var values = new List<ValueRow>();
        var trueValues = new List<TrueValueRow>();
        var logps = new Dictionary<string, double[]>();
        foreach (var name in names)
        {
            var (model, tok) = Checkpoint.Load(modelPath[name], device);
            var lp = SequenceScorer.Score(model, tok, texts);
            model.Dispose();
            logps[name] = lp;
            var gen = ReadSamples(outDir, name);
            var s = new LoggedSample(lp, logging.LogProb, y, heldout.OutOfFold, g.Predict(gen), w);
            samples[name] = s;
            foreach (var e in estimators)
            {
                var v = e.Estimate(s);
                values.Add(new ValueRow(name, e.Name, v.Estimate, v.StdError, v.CiLow, v.CiHigh, e.Name == "DM" ? null : v.Diagnostics?.EssFraction, v.Clipped, v.Warnings.ToArray()));
            }
            if (world != null)
            {
                var tv = world.TrueValue(gen);
                trueValues.Add(new TrueValueRow(name, tv.Mean, tv.StdError, tv.CiLow, tv.CiHigh, tv.FractionGrammatical, tv.N, tv.PhraseSumMean));
            }
            log.WriteLine($"{name}: " + string.Join("; ", values.Where(v => v.Model == name).Select(v => $"{v.Estimator} {v.Estimate:G4} [{v.CiLow:G4}, {v.CiHigh:G4}]"))
                + (world != null ? $"; true value {trueValues[^1].Mean:F3}" : ""));
        }
        var lifts = new List<LiftRow>();
        foreach (var name in names.Where(n => n != "ft"))
            foreach (var e in estimators)
            {
                var d = Estimators.Difference(e, samples[name], samples["ft"]);
                double? ess = values.FirstOrDefault(v => v.Model == name && v.Estimator == e.Name)?.EssFraction * texts.Length;
                lifts.Add(new LiftRow(name, "ft", e.Name, d.Estimate, d.StdError, d.CiLow, d.CiHigh, ess));
            }
        if (test.Spec.GroupColumn != null && logps.ContainsKey("ft"))
        {
            // A/B tests: every model's value within the held-out experiments, as a tilt from FT (WithinExperimentValue)
            var groups = WithinExperimentValue.Index(test.Rows.Select(r => r.Group));
            var design = test.Spec.LogPropensityColumn != null ? test.Rows.Select(r => r.LogPropensity!.Value).ToArray() : WithinExperimentValue.ArmUniform(groups);
            int contrasting = WithinExperimentValue.Contrasting(groups);
            foreach (var name in names)
            {
                var v = WithinExperimentValue.Estimate(logps[name], logps["ft"], design, y, groups);
                values.Add(new ValueRow(name, "WITHIN", v.Estimate, v.StdError, v.CiLow, v.CiHigh, null, 0, v.Warnings.ToArray()));
                if (name == "ft") continue;
                var d = WithinExperimentValue.Difference(logps[name], logps["ft"], logps["ft"], design, y, groups);
                lifts.Add(new LiftRow(name, "ft", "WITHIN", d.Estimate, d.StdError, d.CiLow, d.CiHigh, null, contrasting));
            }
            log.WriteLine($"within {contrasting} held-out experiments: " + string.Join("; ", values.Where(v => v.Estimator == "WITHIN").Select(v => $"{v.Model} {v.Estimate:G4}")));
        }
        var res = new EvaluationResult(logging.Source, heldout.Description, values.ToArray(), lifts.ToArray(), world is null ? null : trueValues.ToArray(),
            world?.ExpectedValueUnderPR(), world?.BestPossibleValue());
        AtomicFile.WriteAllText(Path.Combine(outDir, "eval/values.json"), JsonSerializer.Serialize(res, ReportJson));
    }

    static List<(string Kind, string Method, string Baseline)> Comparisons(PipelineConfig c, List<RunSpec> runs)
    {
        var list = new List<(string, string, string)>();
        if (c.IsConfoundingStudy)
        {
            list.Add(("confounding", "oo-rlhf", "oo-rlhf-confounded"));
            list.Add(("confounding", "dr-cpo", "dr-cpo-confounded"));
            list.Add(("confounding", "cpo", "cpo-seed2"));
        }
        var methods = runs.Where(r => !r.ConfoundedG && r.SeedOffset == 0).Select(r => r.Name).ToList();
        foreach (var m in methods) list.Add(("vs-ft", m, "ft"));
        for (int i = 0; i < methods.Count; i++)
            for (int j = i + 1; j < methods.Count; j++) list.Add(("pair", methods[i], methods[j]));
        return list;
    }

    static void Judge(PipelineConfig c, List<RunSpec> runs, string outDir, HeldoutOutcome heldout, bool higherIsBetter, string fpOutcome, TextWriter log)
    {
        var judges = new List<IPairJudge>();
        if (c.Eval.Judge.OutcomeModel)
        {
            var g = OutcomeModels.Load(Path.Combine(outDir, "outcome/heldout"));
            judges.Add(new OutcomeModelJudge(t => g.Predict(t), higherIsBetter, $"outcome-model:heldout:{fpOutcome[..12]}"));
        }
        if (c.Eval.Judge.Openai is { } oa)
        {
            var opts = new OpenAiJudgeOptions { BaseUrl = oa.Url, Model = oa.Model, Template = JudgeTemplates.Resolve(oa.Template) }.WithEnvironment(oa.ApiKeyEnv);
            judges.Add(new OpenAiChatJudge(opts));
        }
        var rows = new List<JudgeRow>();
        foreach (var judge in judges)
        {
            var slug = Slug(judge.Name.Split(':')[0]);
            foreach (var (kind, method, baseline) in Comparisons(c, runs))
            {
                var a = ReadSamples(outDir, method);
                var b = ReadSamples(outDir, baseline);
                var items = Enumerable.Range(0, Math.Min(a.Length, b.Length)).Select(i => ((string?)null, a[i], b[i])).ToList();
                var r = PairwiseEvaluation.RunAsync(judge, items, cacheFile: Path.Combine(outDir, "judge", $"cache-{slug}.jsonl"), concurrency: 1).GetAwaiter().GetResult();
                r.WriteJudgmentsJsonl(Path.Combine(outDir, "judge", slug, $"{method}__vs__{baseline}.jsonl"));
                var wr = r.WinRate;
                rows.Add(new JudgeRow(judge.Name, kind, method, baseline, wr.Rate, wr.StandardError, wr.Lower, wr.Upper, wr.Wins, wr.Valid, wr.Invalid, wr.Significant));
                log.WriteLine($"judge {judge.Name}: {method} over {baseline}: {wr}");
            }
            (judge as IDisposable)?.Dispose();
        }
        AtomicFile.WriteAllText(Path.Combine(outDir, "judge/judgments.json"), JsonSerializer.Serialize(rows, ReportJson));
    }

    static string Slug(string s) => new string(s.ToLowerInvariant().Select(ch => char.IsLetterOrDigit(ch) ? ch : '-').ToArray()).Trim('-');

    internal static readonly JsonSerializerOptions ReportJson = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };
}
