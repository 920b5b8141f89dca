using System.Text.Json;
using CausalPreference.Causal;
using CausalPreference.Data;
using CausalPreference.Evaluation.Judging;
using CausalPreference.Evaluation.OffPolicy;
using CausalPreference.IO;
using CausalPreference.Models;
using CausalPreference.Outcome;
using CausalPreference.Simulation;
using TorchSharp;

namespace CausalPreference.Pipeline;

public static partial class PipelineRunner
{
    static void Evaluate(PipelineConfig c, List<string> names, Dictionary<string, string> modelPath, DirectOutcomeDataset? test, HeldoutOutcome? heldout,
        string outDir, World? world, torch.Device? device, TextWriter log)
    {
        // the built-in world's true value of a model's samples
        TrueValueRow Truth(string name)
        {
            var tv = world!.TrueValue(ReadSamples(outDir, name));
            return new TrueValueRow(name, tv.Mean, tv.StdError, tv.CiLow, tv.CiHigh, tv.FractionGrammatical, tv.N, tv.PhraseSumMean);
        }
        if (test is null || heldout is null)
        {
            // no held-out rows (the built-in world): the true values alone
            var truth = names.Select(Truth).ToArray();
            foreach (var t in truth) log.WriteLine($"{t.Model}: true value {t.Mean:F3} [{t.CiLow:F3}, {t.CiHigh:F3}], {t.FractionGrammatical:P0} grammatical");
            AtomicFile.WriteAllText(Path.Combine(outDir, "eval/values.json"), JsonSerializer.Serialize(new EvaluationResult("none (no held-out rows)", "none (no held-out rows)",
                [], [], truth, world!.ExpectedValueUnderPR(), world.BestPossibleValue()), ReportJson));
            return;
        }
        var logging = JsonSerializer.Deserialize<LoggingTable>(File.ReadAllText(Path.Combine(outDir, "eval/logging.json")))!;
        var g = OutcomeModels.Load(Path.Combine(outDir, "outcome/heldout"));
        var rows = HeldoutRows.Of(test, withPrompts: false);
        var offPolicy = c.Eval.Estimators.Select(n => HeldoutEstimator.Of(Estimators.ByName(n))).ToArray();
        // A/B tests: every model's value within the held-out experiments too, as a tilt from FT (WITHIN)
        bool within = rows.Experiments != null && modelPath.ContainsKey("ft");
        var ev = new HeldoutEvaluator(rows, within ? [.. offPolicy, HeldoutEstimator.Within] : offPolicy,
            new CheckpointScorer(modelPath, rows, device) { StoredSamples = name => ReadSamples(outDir, name) })
        {
            LoggingLogp = () => logging.LogProb,
            OutcomeModel = () => new OutcomeModelPredictions(heldout.OutOfFold, g.Predict),
            BaseModel = "ft",
        };
        var values = new List<ValueRow>();
        var trueValues = new List<TrueValueRow>();
        foreach (var name in names)
        {
            ev.Scores(name);
            foreach (var e in offPolicy) values.Add(ValueRow.Of(name, e, ev.Value(e, name)));
            if (world != null) trueValues.Add(Truth(name));
            log.WriteLine($"{name}: " + string.Join("; ", values.Where(v => v.Model == name).Select(v => $"{v.Estimator} {v.Estimate:G4} [{v.CiLow:G4}, {v.CiHigh:G4}]"))
                + (world != null ? $"; true value {trueValues[^1].Mean:F3}" : ""));
        }
        var lifts = new List<LiftRow>();
        foreach (var name in names.Where(n => n != "ft"))
            foreach (var e in offPolicy)
            {
                double? ess = values.FirstOrDefault(v => v.Model == name && v.Estimator == e.Name)?.EssFraction * rows.Count;
                lifts.Add(LiftRow.Of(name, "ft", e.Name, ev.Difference(e, name, "ft"), ess));
            }
        if (within)
        {
            int contrasting = ev.ContrastingExperiments;
            foreach (var name in names)
            {
                values.Add(ValueRow.Of(name, HeldoutEstimator.Within, ev.Value(HeldoutEstimator.Within, name)));
                if (name == "ft") continue;
                lifts.Add(LiftRow.Of(name, "ft", HeldoutEstimator.Within.Name, ev.Difference(HeldoutEstimator.Within, name, "ft"), experiments: contrasting));
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
            if (runs.Any(r => r.Name == "cpo-seed2")) list.Add(("confounding", "cpo", "cpo-seed2"));
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
