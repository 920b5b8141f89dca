using System.Globalization;
using System.Text;
using System.Text.Json;
using CausalPreference.Data;
using CausalPreference.Evaluation.Judging;
using CausalPreference.IO;
using CausalPreference.Reporting;
using CausalPreference.Simulation;

namespace CausalPreference.Pipeline;

/// <summary>One trained model in the report.</summary>
public sealed record ModelRow(string Name, string Objective, string OutcomeModel, long TrainerSeed, int? BestEpoch, double? ValidationEssFraction,
    double? TrainingOutcomeModelR2, double? TrainingOutcomeModelAuc, string? Certified = null, IReadOnlyList<string>? Alarms = null);

/// <summary>Confounding impact of one method (the paper's Table 4): 0.5 − win rate of the unconfounded model over the confounded one.</summary>
public sealed record ImpactRow(string Method, string Unconfounded, string Confounded, string Judge, double WinRate, double Impact, double Lower, double Upper,
    bool Significant, int Valid, int Invalid);

/// <summary>True-value version of the confounding table (built-in world): V*(unconfounded) − V*(confounded), independent samples.</summary>
public sealed record TrueDifferenceRow(string Method, string Unconfounded, string Confounded, double Difference, double StdError, double CiLow, double CiHigh);

/// <summary>The pipeline's results (OUT/results.json; OUT/results.md renders it).</summary>
public sealed record PipelineReport(
    string Name, string Study, PipelineRunner.PrepareSummary Prepare, string Direction, string LoggingSource, string HeldoutOutcomeModel,
    double HeldoutOutcomeModelR2, double? HeldoutOutcomeModelAuc, ModelRow[] Models, ValueRow[] Values, LiftRow[] Lifts, JudgeRow[] Judgments,
    ImpactRow[] Impacts, TrueValueRow[]? TrueValues, TrueDifferenceRow[]? TrueDifferences, double? ValueUnderRandomization, double? BestPossibleValue,
    string[] Notes, Verdict[]? Verdicts = null, double LoggedMean = double.NaN, bool HigherIsBetter = true, string[]? VerdictLines = null);

public static partial class PipelineRunner
{
    static void WriteReport(PipelineConfig c, List<RunSpec> runs, string outDir, DirectOutcomeDataset trainPool, DirectOutcomeDataset test,
        HeldoutOutcome heldout, World? world, TextWriter log)
    {
        string P(string rel) => Path.Combine(outDir, rel);
        var prep = JsonSerializer.Deserialize<PrepareSummary>(File.ReadAllText(P("data/prepare.json")))!;
        var eval = JsonSerializer.Deserialize<EvaluationResult>(File.ReadAllText(P("eval/values.json")), ReportJson)!;
        var judged = JsonSerializer.Deserialize<JudgeRow[]>(File.ReadAllText(P("judge/judgments.json")), ReportJson)!;
        var models = new List<ModelRow> { new("ft", "ft", "none", c.Seed, null, null, null, null) };
        foreach (var r in runs)
        {
            var s = JsonSerializer.Deserialize<CausalRunSummary>(File.ReadAllText(P($"models/{r.Name}/run.json")), CausalRun.RunJson)!;
            models.Add(new ModelRow(r.Name, CausalRun.Name(r.Kind), r.GLabel, c.Seed + r.SeedOffset, s.BestEpoch, s.ValidationEssFraction, s.OutcomeModelR2, s.OutcomeModelAuc,
                string.IsNullOrEmpty(s.Certified) ? null : s.Certified, s.Alarms));
        }
        var impacts = judged.Where(j => j.Kind == "confounding").Select(j =>
        {
            var imp = ConfoundingImpact.From(j.ToWinRate());
            return new ImpactRow(j.Method, j.Method, j.Baseline, j.Judge, j.Rate, imp.Impact, imp.Lower, imp.Upper, imp.Significant, j.Valid, j.Invalid);
        }).ToArray();
        TrueDifferenceRow[]? trueDiffs = null;
        if (eval.TrueValues is { } tv && c.IsConfoundingStudy)
        {
            TrueValueRow V(string n) => tv.First(t => t.Model == n);
            trueDiffs = new[] { ("oo-rlhf", "oo-rlhf-confounded"), ("dr-cpo", "dr-cpo-confounded"), ("cpo", "cpo-seed2") }
                .Where(p => tv.Any(t => t.Model == p.Item2)).Select(p =>
            {
                var (a, b) = (V(p.Item1), V(p.Item2));
                double se = Math.Sqrt(a.StdError * a.StdError + b.StdError * b.StdError);
                double d = a.Mean - b.Mean;
                return new TrueDifferenceRow(p.Item1, p.Item1, p.Item2, d, se, d - 1.96 * se, d + 1.96 * se);
            }).ToArray();
        }
        double loggedMean = test.Rows.Average(r => r.Outcome);
        bool chance = Verdicts.NearChance(heldout.R2, heldout.Auc);
        var verdicts = models.Where(m => m.Name != "ft").Select(m => Verdicts.For(m.Name, "ft",
            eval.Lifts.Where(l => l.Model == m.Name).Select(l => new LiftEvidence(l.Estimator, l.Difference, l.CiLow, l.CiHigh, l.EffectiveRows, l.Experiments)),
            trainPool.Spec.HigherIsBetter, heldout.R2, heldout.Auc)).ToArray();
        var notes = new List<string>();
        if (chance)
            notes.Add($"The held-out outcome model is near chance ({Verdicts.Fit(heldout.R2, heldout.Auc)}): DM rests on it and is set aside; DR/SNDR are flagged, and the outcome-model judge's win rates say little (no * is given).");
        var minEss = eval.Values.Where(v => v.EssFraction is not null).Select(v => v.EssFraction!.Value).DefaultIfEmpty(1).Min();
        if (minEss < 0.1)
            notes.Add($"Importance weights on the held-out rows are degenerate for some models (smallest ESS fraction {minEss:P1}): their IPW/SNIPW/SNDR estimates rest on a handful of rows; read the intervals as optimistic.");
        if (c.Eval.Judge.OutcomeModel)
            notes.Add("The pairwise judge is an outcome model (lexical linear) fit on the held-out rows' real outcomes, not GPT-4 or people. It rewards the words that predicted the outcome on those rows; the training ĝ belongs to the same model family (fit on other rows), so a model that learned ĝ's features also pleases this judge. It is a cheap, reproducible proxy, not a measure of what readers prefer.");
        if (world is null)
            notes.Add("No ground truth exists for real data: every number here is an estimate from held-out rows or a proxy judge.");
        if (trainPool.Spec.LogPropensityColumn is not null && trainPool.Spec.GroupColumn is null)
            notes.Add("P^R is a design probability over the logged rows only; a language model spreads its mass over all strings, so P^f/P^R is tiny for every row and self-normalized estimators effectively compare models on the logged texts alone.");
        if (trainPool.Spec.GroupColumn is not null)
            notes.Add($"WITHIN: the value of choosing, in each held-out experiment of '{trainPool.Spec.GroupColumn}', among its tested texts in proportion to the model's tilt from FT (P^model/P^FT × the design); FT's own value is the experiments' mean. It rests on the experiments (SE over experiments) and says nothing about texts no experiment showed. Pooled IPW/SNIPW/SNDR compare a model's density over all strings with design probabilities over a few tested texts, so their weights collapse (see their ESS).");
        var report = new PipelineReport(c.Name, c.Study, prep, trainPool.Spec.HigherIsBetter ? "higher is better" : "lower is better", eval.LoggingSource, heldout.Description,
            heldout.R2, heldout.Auc, models.ToArray(), eval.Values, eval.Lifts, judged, impacts, eval.TrueValues, trueDiffs, eval.ValueUnderRandomization, eval.BestPossibleValue, notes.ToArray(),
            verdicts, loggedMean, trainPool.Spec.HigherIsBetter, verdicts.Select(v => v.Line(new NumberFormat(loggedMean))).ToArray());
        var stem = ReportStem(c);
        AtomicFile.WriteAllText(P(stem + ".json"), JsonSerializer.Serialize(report, ReportJson));
        AtomicFile.WriteAllText(P(stem + ".md"), Markdown(report));
        string Png(string name) => P(c.IsConfoundingStudy ? $"{stem}-{name}.png" : $"{name}.png");
        TryPlot(log, () => Plots.ValueEstimates(eval.Values.Where(v => double.IsFinite(v.CiLow) && double.IsFinite(v.CiHigh)).Select(v => (v.Model, v.Estimator, v.Estimate, v.CiLow, v.CiHigh)).ToList(),
            $"{c.Name}: value estimates on {test.Rows.Count} held-out rows (95% CI)", Png("values"), loggedMean, "logged mean"));
        var basis = verdicts.Where(v => v.Basis != null).Select(v => (v.Model, v.Basis!.Estimator, v.Basis.Difference, v.Basis.CiLow, v.Basis.CiHigh)).ToList();
        if (basis.Count > 0)
            TryPlot(log, () => Plots.ValueEstimates(basis, $"{c.Name}: lift over FT of each model, by the estimate its verdict rests on (95% CI)", Png("lifts"), 0, "FT"));
        var wr = judged.Where(j => j.Judge == judged.FirstOrDefault()?.Judge && j.Valid > 0).Select(j => new WinRateRow(j.Method, j.Baseline, j.Rate, j.Lower, j.Upper, j.Significant)).ToList();
        if (wr.Count > 0) TryPlot(log, () => Plots.WinRateBars(wr, Png("winrates"), $"{c.Name}: pairwise win rates, {judged[0].Judge.Split(':')[0]} judge (95% CI)"));
        if (eval.TrueValues is { } tvs)
            TryPlot(log, () => Plots.ValueEstimates(tvs.Select(t => (t.Model, "true value", t.Mean, t.CiLow, t.CiHigh)).ToList(), $"{c.Name}: true value of each model's samples (95% CI)", Png("true_values")));
    }

    /// <summary>File stem of the report: "results" for the standard study, "confounding" for the confounding study, so both
    /// can share one output folder (and its FT model and unconfounded runs).</summary>
    public static string ReportStem(PipelineConfig c) => c.IsConfoundingStudy && c.HasHeldOut ? "confounding" : "results";

    static void TryPlot(TextWriter log, Action plot)
    {
        try { plot(); }
        catch (Exception e) when (e is InvalidOperationException or ArgumentException) { log.WriteLine($"note: a plot was not drawn ({e.Message})"); }
    }

    static string F(double v) => double.IsFinite(v) ? v.ToString("0.000", CultureInfo.InvariantCulture) : "–";
    static string Ci(double lo, double hi) => $"[{F(lo)}, {F(hi)}]";

    /// <summary>The report as Markdown (OUT/results.md).</summary>
    public static string Markdown(PipelineReport r)
    {
        var sb = new StringBuilder();
        var p = r.Prepare;
        sb.AppendLine($"# {r.Name} ({r.Study} study)").AppendLine();
        sb.AppendLine($"Data: {p.Source}; {p.RowsRead} rows read" + (p.Exclusion is { } e ? $", {e}" : "") + $"; {p.RowsAfterCap} used: {p.TrainRows} for training, {p.TestRows} held out"
            + (p.TrainGroups is int tg ? $" ({tg} / {p.TestGroups} groups)" : "") + $". Outcome: {r.Direction}.");
        sb.AppendLine($"Logging probabilities of the held-out rows: {r.LoggingSource}.");
        sb.AppendLine($"Held-out outcome model (evaluation ĝ and judge): {r.HeldoutOutcomeModel}; out-of-fold R² {F(r.HeldoutOutcomeModelR2)}" + (r.HeldoutOutcomeModelAuc is double a ? $", AUC {F(a)}" : "") + ".").AppendLine();
        var nf = new NumberFormat(double.IsFinite(r.LoggedMean) ? r.LoggedMean : r.Values.Select(v => Math.Abs(v.Estimate)).Where(double.IsFinite).DefaultIfEmpty(1).Average());
        if (r.Verdicts is { Length: > 0 } verdicts)
        {
            sb.AppendLine($"## Verdict (held-out rows; logged mean outcome {nf.Value(r.LoggedMean)})").AppendLine();
            foreach (var v in verdicts) sb.AppendLine($"- {v.Line(nf)}");
            foreach (var v in verdicts.Where(v => v.Basis != null && v.Reasons.Count > 0)) sb.AppendLine($"  - {v.Model}, set aside: {string.Join("; ", v.Reasons)}");
            sb.AppendLine();
        }

        sb.AppendLine("## Models").AppendLine();
        sb.AppendLine("| model | objective | ĝ used in training | trainer seed | best epoch | validation ESS | training ĝ out-of-fold R² |");
        sb.AppendLine("|---|---|---|---|---|---|---|");
        foreach (var m in r.Models)
            sb.AppendLine($"| {m.Name} | {m.Objective} | {m.OutcomeModel} | {m.TrainerSeed} | {m.BestEpoch?.ToString(CultureInfo.InvariantCulture) ?? "–"} | {(m.ValidationEssFraction is double v ? v.ToString("P0", CultureInfo.InvariantCulture) : "–")} | {(m.TrainingOutcomeModelR2 is double q ? F(q) : "–")} |");
        sb.AppendLine();
        foreach (var m in r.Models.Where(m => m.Certified != null))
            sb.AppendLine($"- {m.Name}: {m.Certified}");
        foreach (var m in r.Models.Where(m => m.Alarms is { Count: > 0 }))
            foreach (var alarm in m.Alarms!) sb.AppendLine($"- ALARM ({m.Name}): {alarm}");
        sb.AppendLine();

        sb.AppendLine($"## Value estimates on the {p.TestRows} held-out rows (95% CI)").AppendLine();
        var ests = r.Values.Select(v => v.Estimator).Distinct().ToList();
        sb.AppendLine("| model | " + string.Join(" | ", ests.Select(x => x + " [95% CI] (ESS)")) + " |");
        sb.AppendLine("|---|" + string.Concat(ests.Select(_ => "---|")));
        foreach (var m in r.Values.Select(v => v.Model).Distinct())
            sb.AppendLine($"| {m} | " + string.Join(" | ", ests.Select(x => r.Values.First(v => v.Model == m && v.Estimator == x)).Select(v =>
                (v.CiHigh - v.CiLow <= 1e-12 * Math.Max(1, Math.Abs(v.Estimate)) ? "not estimable (zero-width CI)"
                 : v.EssFraction is double f && f * p.TestRows < Verdicts.MinEffectiveRows ? $"not estimable (weights on {f * p.TestRows:0.#} of {p.TestRows} rows)"
                 : $"{nf.Value(v.Estimate)} {nf.Interval(v.CiLow, v.CiHigh)}")
                + (v.EssFraction is double s ? $" ({s.ToString("P0", CultureInfo.InvariantCulture)})" : ""))) + " |");
        sb.AppendLine();
        sb.AppendLine("Lift over FT (paired difference on the same rows, `Estimators.Difference`):").AppendLine();
        sb.AppendLine("| model | estimator | V(model) − V(FT) | 95% CI | CI covers 0 | usable for the verdict |");
        sb.AppendLine("|---|---|---|---|---|---|");
        foreach (var l in r.Lifts)
        {
            var v = r.Verdicts?.FirstOrDefault(x => x.Model == l.Model);
            string use = v is null ? "–" : v.Basis?.Estimator == l.Estimator ? "**verdict**" : v.Reasons.FirstOrDefault(x => x.StartsWith(l.Estimator + ":", StringComparison.Ordinal)) is { } why ? "no: " + why[(l.Estimator.Length + 2)..] : "yes";
            bool zeroWidth = l.CiHigh - l.CiLow <= 1e-12 * Math.Max(1, Math.Abs(l.Difference)) || Math.Abs(l.CiHigh - l.CiLow) < Math.Pow(10, -nf.Decimals);
            sb.AppendLine(zeroWidth
                ? $"| {l.Model} | {l.Estimator} | not estimable (zero-width CI) | – | – | {use} |"
                : $"| {l.Model} | {l.Estimator} | {nf.Difference(l.Difference)} | {nf.DifferenceInterval(l.CiLow, l.CiHigh)} | {(l.CoversZero ? "yes" : "no")} | {use} |");
        }
        sb.AppendLine();

        if (r.TrueValues is { } tv)
        {
            sb.AppendLine($"## True value on the built-in world (randomization {F(r.ValueUnderRandomization ?? double.NaN)}, best text {F(r.BestPossibleValue ?? double.NaN)})").AppendLine();
            sb.AppendLine("True value: the realistic reader (a text outside the grammar gets the lowest outcome). Phrase-sum: the paper's lenient yardstick (phrases count in any string).").AppendLine();
            sb.AppendLine("| model | true value | 95% CI | grammatical | phrase-sum |");
            sb.AppendLine("|---|---|---|---|---|");
            foreach (var t in tv) sb.AppendLine($"| {t.Model} | {t.Mean:F3} | [{t.CiLow:F3}, {t.CiHigh:F3}] | {t.FractionGrammatical.ToString("P0", CultureInfo.InvariantCulture)} | {F(t.PhraseSumMean)} |");
            sb.AppendLine();
        }

        if (r.Judgments.Length > 0)
        {
            sb.AppendLine("## Pairwise win rates (method over baseline; * = CI excludes 0.5)").AppendLine();
            sb.AppendLine("| judge | method | baseline | win rate | 95% CI | valid | invalid (ties) |");
            sb.AppendLine("|---|---|---|---|---|---|---|");
            bool chance = Verdicts.NearChance(r.HeldoutOutcomeModelR2, r.HeldoutOutcomeModelAuc);
            foreach (var j in r.Judgments)
            {
                bool proxyAtChance = chance && j.Judge.StartsWith("outcome-model", StringComparison.Ordinal);
                sb.AppendLine($"| {j.Judge.Split(':')[0]}{(proxyAtChance ? " (ĝ near chance)" : "")} | {j.Method} | {j.Baseline} | {F(j.Rate)}{(j.Significant && !proxyAtChance ? "*" : "")} | {Ci(j.Lower, j.Upper)} | {j.Valid} | {j.Invalid} |");
            }
            sb.AppendLine();
        }

        if (r.Impacts.Length > 0)
        {
            sb.AppendLine("## Confounding impact (the paper's Table 4): impact = 0.5 − win rate of unconfounded over confounded").AppendLine();
            sb.AppendLine("| method | unconfounded | confounded | judge | win rate | impact | 95% CI | valid |");
            sb.AppendLine("|---|---|---|---|---|---|---|---|");
            foreach (var i in r.Impacts)
                sb.AppendLine($"| {i.Method} | {i.Unconfounded} | {i.Confounded} | {i.Judge.Split(':')[0]} | {F(i.WinRate)} | {i.Impact:+0.000;-0.000;0.000}{(i.Significant ? "*" : "")} | [{i.Lower:+0.000;-0.000;0.000}, {i.Upper:+0.000;-0.000;0.000}] | {i.Valid} |");
            sb.AppendLine();
        }
        if (r.TrueDifferences is { } td)
        {
            sb.AppendLine("True-value version (built-in world): V*(unconfounded) − V*(confounded); negative means confounding helped, positive that it hurt.").AppendLine();
            sb.AppendLine("| method | unconfounded | confounded | difference | 95% CI |");
            sb.AppendLine("|---|---|---|---|---|");
            foreach (var d in td) sb.AppendLine($"| {d.Method} | {d.Unconfounded} | {d.Confounded} | {d.Difference:+0.000;-0.000;0.000} | [{d.CiLow:+0.000;-0.000;0.000}, {d.CiHigh:+0.000;-0.000;0.000}] |");
            sb.AppendLine();
        }
        if (r.Notes.Length > 0)
        {
            sb.AppendLine("## Notes").AppendLine();
            foreach (var n in r.Notes) sb.AppendLine($"- {n}");
        }
        return sb.ToString();
    }
}
