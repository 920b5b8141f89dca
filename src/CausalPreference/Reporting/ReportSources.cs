using System.Text.Json;
using CausalPreference.Evaluation.OffPolicy;
using CausalPreference.IO;

namespace CausalPreference.Reporting;

/// <summary>Everything <see cref="Report"/> found in the run folders.</summary>
/// <remarks><see cref="Verdicts"/>: a pipeline's verdict lines (results.json "verdict_lines"), one per model.</remarks>
public sealed record ReportSources(IReadOnlyList<TrainRun> Train, IReadOnlyList<DemoRun> Demos, IReadOnlyList<EvaluationRun> Evaluations,
    IReadOnlyList<JudgeRun> Judges, IReadOnlyList<(string Path, string Kind)> Found, IReadOnlyList<(string Run, string Line)>? Verdicts = null)
{
    const int MaxDepth = 2;

    /// <summary>
    /// Scans each folder and its subfolders (two levels; hidden folders and <paramref name="skip"/> excluded) for
    /// results.json (demo), train_log.jsonl (train), evaluation.json (evaluate) and winrate.json (judge), and a pipeline's
    /// outputs: results.json (its verdicts), eval/values.json (estimates and lifts) and judge/judgments.json (win rates).
    /// </summary>
    /// <exception cref="InputException">A folder does not exist, holds none of these files, or a file is not what its name says.</exception>
    public static ReportSources Scan(IReadOnlyList<string> runDirs, string? skip = null)
    {
        if (runDirs.Count == 0) throw new InputException("give at least one run folder (a demo, train, evaluate or judge `out` folder)");
        var train = new List<TrainRun>(); var demos = new List<DemoRun>(); var evals = new List<EvaluationRun>(); var judges = new List<JudgeRun>();
        var found = new List<(string, string)>();
        var verdicts = new List<(string, string)>();
        var skipFull = skip is null ? null : System.IO.Path.TrimEndingDirectorySeparator(System.IO.Path.GetFullPath(skip));
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var root in runDirs)
        {
            if (!Directory.Exists(root))
                throw new InputException(File.Exists(root) ? "this is a file; give the run folder that holds it" : "run folder not found", root);
            int before = found.Count;
            string prefix = runDirs.Count > 1 ? FolderName(root) : "";
            Visit(root, root, 0);
            if (found.Count == before)
                throw new InputException("found no results.json (demo or pipeline), train_log.jsonl (train), evaluation.json (evaluate) or winrate.json (judge) here or in its subfolders; give a folder a causalpo verb wrote", root);

            void Visit(string dir, string rootDir, int depth)
            {
                var full = System.IO.Path.TrimEndingDirectorySeparator(System.IO.Path.GetFullPath(dir));
                if (full == skipFull || !seen.Add(full)) return;
                var rel = System.IO.Path.GetRelativePath(rootDir, dir).Replace('\\', '/');
                string name = rel == "." ? (prefix.Length > 0 ? prefix : FolderName(dir)) : (prefix.Length > 0 ? $"{prefix}/{rel}" : rel);
                string F(string f) => System.IO.Path.Combine(dir, f);
                if (File.Exists(F("results.json")) && ReadDemo(name, dir) is { } demo) { demos.Add(demo); found.Add((dir, "demo")); }
                if (File.Exists(F("train_log.jsonl"))) { train.Add(ReadTrain(name, dir)); found.Add((dir, "train")); }
                if (File.Exists(F(PolicyEvaluationJson.FileName))) { evals.Add(ReadEvaluation(name, dir)); found.Add((dir, "evaluate")); }
                if (File.Exists(F("winrate.json"))) { judges.Add(ReadJudge(name, dir)); found.Add((dir, "judge")); }
                if (File.Exists(F("pipeline_manifest.json")))
                {
                    if (File.Exists(F("results.json"))) { verdicts.AddRange(ReadPipelineVerdicts(F("results.json")).Select(l => (name, l))); found.Add((dir, "pipeline")); }
                    if (File.Exists(F("eval/values.json"))) { evals.Add(ReadPipelineValues(name, F("eval/values.json"), F("results.json"))); found.Add((F("eval"), "pipeline evaluate")); }
                    if (File.Exists(F("judge/judgments.json"))) { judges.AddRange(ReadPipelineJudgments(name, F("judge/judgments.json"))); found.Add((F("judge"), "pipeline judge")); }
                }
                if (depth >= MaxDepth) return;
                foreach (var sub in Directory.GetDirectories(dir).OrderBy(d => d, StringComparer.Ordinal))
                    if (!System.IO.Path.GetFileName(sub).StartsWith('.')) Visit(sub, rootDir, depth + 1);
            }
        }
        return new ReportSources(Unique(train, t => t.Name, (t, n) => t with { Name = n }), Unique(demos, d => d.Name, (d, n) => d with { Name = n }),
            Unique(evals, e => e.Name, (e, n) => e with { Name = n }), Unique(judges, j => j.Name, (j, n) => j with { Name = n }), found, verdicts);
    }

    static string FolderName(string dir)
    {
        var n = System.IO.Path.GetFileName(System.IO.Path.TrimEndingDirectorySeparator(System.IO.Path.GetFullPath(dir)));
        return string.IsNullOrEmpty(n) ? "run" : n;
    }

    static List<T> Unique<T>(List<T> items, Func<T, string> nameOf, Func<T, string, T> rename)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        var result = new List<T>();
        foreach (var item in items)
        {
            var name = nameOf(item);
            var n = name;
            for (int i = 2; !names.Add(n); i++) n = $"{name}#{i}";
            result.Add(n == name ? item : rename(item, n));
        }
        return result;
    }

    static JsonDocument Parse(string file)
    {
        try { return JsonDocument.Parse(File.ReadAllText(file)); }
        catch (JsonException e) { throw new InputException($"not valid JSON ({e.Message}); re-run the step that wrote it or move it away", file, inner: e); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { throw new InputException($"cannot read it: {e.Message}", file, inner: e); }
    }

    static double Num(JsonElement o, string name) =>
        o.ValueKind == JsonValueKind.Object && o.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetDouble() : double.NaN;

    static double? NumOrNull(JsonElement o, string name) { var v = Num(o, name); return double.IsFinite(v) ? v : null; }

    static string? Str(JsonElement o, string name) =>
        o.ValueKind == JsonValueKind.Object && o.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    static JsonElement Arr(JsonElement o, string name) =>
        o.ValueKind == JsonValueKind.Object && o.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Array ? v : default;

    static IEnumerable<JsonElement> Items(JsonElement a) => a.ValueKind == JsonValueKind.Array ? a.EnumerateArray() : [];

    /// <summary>A demo's results.json (objects with "Models" and "ValueUnderRandomization"); null for another results.json.</summary>
    static DemoRun? ReadDemo(string name, string dir)
    {
        var file = System.IO.Path.Combine(dir, "results.json");
        using var doc = Parse(file);
        var root = doc.RootElement;
        if (root.ValueKind != JsonValueKind.Object || Arr(root, "Models").ValueKind != JsonValueKind.Array) return null;
        var models = new List<(string, double, double, double, double?)>();
        foreach (var m in Items(Arr(root, "Models")))
        {
            var model = Str(m, "Name") ?? throw new InputException("a model entry has no \"Name\"; the file is not a demo's results.json", file);
            models.Add((model, Num(m, "TrueValue"), Num(m, "CiLow"), Num(m, "CiHigh"), NumOrNull(m, "FractionGrammatical")));
        }
        var seed = NumOrNull(root, "Seed");
        return new DemoRun(name, dir, seed is double s ? (int)s : null, NumOrNull(root, "ValueUnderRandomization"), NumOrNull(root, "BestPossibleValue"), models);
    }

    static TrainRun ReadTrain(string name, string dir)
    {
        var file = System.IO.Path.Combine(dir, "train_log.jsonl");
        var steps = new List<IReadOnlyDictionary<string, double>>();
        int skipped = 0;
        IEnumerable<string> lines;
        try { lines = File.ReadAllLines(file); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { throw new InputException($"cannot read it: {e.Message}", file, inner: e); }
        foreach (var line in lines)
        {
            if (string.IsNullOrWhiteSpace(line)) continue;
            try
            {
                using var doc = JsonDocument.Parse(line);
                if (doc.RootElement.ValueKind != JsonValueKind.Object || !double.IsFinite(Num(doc.RootElement, "step"))) { skipped++; continue; }
                var d = new Dictionary<string, double>(StringComparer.Ordinal);
                foreach (var p in doc.RootElement.EnumerateObject())
                    d[p.Name] = p.Value.ValueKind == JsonValueKind.Number ? p.Value.GetDouble() : double.NaN;
                steps.Add(d);
            }
            catch (JsonException) { skipped++; }
        }
        string? objective = null, outcomeModel = null;
        int? bestEpoch = null;
        double? valValue = null, valEss = null, valLoss = null;
        var runFile = System.IO.Path.Combine(dir, "run.json");
        if (File.Exists(runFile))
        {
            using var doc = Parse(runFile);
            var r = doc.RootElement;
            objective = Str(r, "Objective");
            outcomeModel = Str(r, "OutcomeModel");
            valValue = NumOrNull(r, "BestValidationValue");
            valEss = NumOrNull(r, "ValidationEssFraction");
        }
        var trainingFile = System.IO.Path.Combine(dir, "training.json");
        if (File.Exists(trainingFile))
        {
            using var doc = Parse(trainingFile);
            var t = doc.RootElement;
            if (NumOrNull(t, "best_epoch") is double be) bestEpoch = (int)be;
            valLoss = NumOrNull(t, "best_validation_loss");
            var best = Items(Arr(t, "epochs")).FirstOrDefault(e => Num(e, "epoch") == bestEpoch);
            if (best.ValueKind == JsonValueKind.Object)
            {
                valValue ??= NumOrNull(best, "validation_value");
                valEss ??= NumOrNull(best, "validation_ess_fraction");
            }
        }
        return new TrainRun(name, dir, steps, skipped, objective, outcomeModel, bestEpoch, valValue, valEss, valLoss);
    }

    static EvaluationRun ReadEvaluation(string name, string dir)
    {
        var file = System.IO.Path.Combine(dir, PolicyEvaluationJson.FileName);
        using var doc = Parse(file);
        var root = doc.RootElement;
        if (Arr(root, "models").ValueKind != JsonValueKind.Array) throw new InputException("no \"models\" array; not an evaluation.json written by causalpo evaluate", file);
        var est = new List<(string, string, double, double, double)>();
        var diff = new List<(string, string, double, double, double)>();
        var ess = new List<(string, double)>();
        foreach (var m in Items(Arr(root, "models")))
        {
            var model = Str(m, "name") ?? "?";
            foreach (var e in Items(Arr(m, "estimates")))
                if (double.IsFinite(Num(e, "estimate"))) est.Add((model, Str(e, "estimator") ?? "?", Num(e, "estimate"), Num(e, "ci_low"), Num(e, "ci_high")));
            foreach (var e in Items(Arr(m, "difference_to_baseline")))
                if (double.IsFinite(Num(e, "estimate"))) diff.Add((model, Str(e, "estimator") ?? "?", Num(e, "estimate"), Num(e, "ci_low"), Num(e, "ci_high")));
            if (m.TryGetProperty("weights", out var w)) ess.Add((model, Num(w, "ess_fraction")));
        }
        var outcome = root.TryGetProperty("outcome", out var o) ? o : default;
        bool higher = outcome.ValueKind != JsonValueKind.Object || !outcome.TryGetProperty("higher_is_better", out var h) || h.ValueKind != JsonValueKind.False;
        return new EvaluationRun(name, dir, Str(outcome, "name") ?? "outcome", higher, Str(root, "baseline") ?? "", est, diff, ess, Items(Arr(root, "warnings")).Count());
    }

    static JudgeRun ReadJudge(string name, string dir)
    {
        var file = System.IO.Path.Combine(dir, "winrate.json");
        using var doc = Parse(file);
        var root = doc.RootElement;
        if (!root.TryGetProperty("win_rate", out var w) || w.ValueKind != JsonValueKind.Object)
            throw new InputException("no \"win_rate\" object; not a winrate.json written by causalpo judge", file);
        return new JudgeRun(name, dir, Str(root, "method") ?? name, Str(root, "baseline") ?? "baseline", Str(root, "judge"),
            Num(w, "rate"), Num(w, "ci_low"), Num(w, "ci_high"),
            w.TryGetProperty("significant", out var s) && s.ValueKind == JsonValueKind.True,
            (int)(NumOrNull(w, "valid") ?? 0), (int)(NumOrNull(w, "invalid") ?? 0));
    }

    /// <summary>A pipeline's verdict lines (results.json, "verdict_lines"); none for an older results.json.</summary>
    static IEnumerable<string> ReadPipelineVerdicts(string file)
    {
        using var doc = Parse(file);
        return Items(Arr(doc.RootElement, "verdict_lines")).Where(v => v.ValueKind == JsonValueKind.String).Select(v => v.GetString()!).ToList();
    }

    /// <summary>A pipeline's eval/values.json (snake_case: values[], lifts[]) as an evaluation run against FT.</summary>
    static EvaluationRun ReadPipelineValues(string name, string file, string resultsFile)
    {
        using var doc = Parse(file);
        var root = doc.RootElement;
        if (Arr(root, "values").ValueKind != JsonValueKind.Array) throw new InputException("no \"values\" array; not a pipeline's eval/values.json", file);
        var est = Items(Arr(root, "values")).Where(v => double.IsFinite(Num(v, "estimate")))
            .Select(v => (Str(v, "model") ?? "?", Str(v, "estimator") ?? "?", Num(v, "estimate"), Num(v, "ci_low"), Num(v, "ci_high"))).ToList();
        var diff = Items(Arr(root, "lifts")).Where(v => double.IsFinite(Num(v, "difference")))
            .Select(v => (Str(v, "model") ?? "?", Str(v, "estimator") ?? "?", Num(v, "difference"), Num(v, "ci_low"), Num(v, "ci_high"))).ToList();
        var ess = Items(Arr(root, "values")).Where(v => Str(v, "estimator") == "SNIPW" && double.IsFinite(Num(v, "ess_fraction")))
            .Select(v => (Str(v, "model") ?? "?", Num(v, "ess_fraction"))).ToList();
        bool higher = true;
        if (File.Exists(resultsFile))
        {
            using var r = Parse(resultsFile);
            higher = Str(r.RootElement, "direction") != "lower is better";
        }
        return new EvaluationRun(name, System.IO.Path.GetDirectoryName(file)!, "outcome", higher, "ft", est, diff, ess, 0);
    }

    /// <summary>A pipeline's judge/judgments.json: one win rate per comparison and judge.</summary>
    static IEnumerable<JudgeRun> ReadPipelineJudgments(string name, string file)
    {
        using var doc = Parse(file);
        if (doc.RootElement.ValueKind != JsonValueKind.Array) throw new InputException("not an array; not a pipeline's judge/judgments.json", file);
        return doc.RootElement.EnumerateArray().Select(j => new JudgeRun($"{name}/{Str(j, "method")} vs {Str(j, "baseline")}", System.IO.Path.GetDirectoryName(file)!,
            Str(j, "method") ?? "?", Str(j, "baseline") ?? "?", Str(j, "judge"), Num(j, "rate"), Num(j, "lower"), Num(j, "upper"),
            j.TryGetProperty("significant", out var s) && s.ValueKind == JsonValueKind.True, (int)(NumOrNull(j, "valid") ?? 0), (int)(NumOrNull(j, "invalid") ?? 0))).ToList();
    }
}
