using System.Globalization;
using System.Text;
using System.Text.Json;
using CausalPreference.Evaluation.OffPolicy;
using CausalPreference.IO;

namespace CausalPreference.Reporting;

/// <summary>report.json and report.md of <see cref="Report.Build"/>.</summary>
public static class ReportWriter
{
    static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    /// <summary>report.json: sources, per-run training summaries (final smoothed value and ESS fraction), true values,
    /// estimates and differences, win rates, figures and warnings. Non-finite numbers are null.</summary>
    public static void WriteJson(ReportResult r, string path)
    {
        var s = r.Sources;
        AtomicFile.Write(path, stream =>
        {
            using var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
            w.WriteStartObject();
            w.WriteString("kind", "causalpo-report");
            w.WriteNumber("smoothing_window", r.SmoothWindow);
            w.WriteStartArray("sources");
            foreach (var (p, kind) in s.Found) { w.WriteStartObject(); w.WriteString("path", p); w.WriteString("kind", kind); w.WriteEndObject(); }
            w.WriteEndArray();
            w.WriteStartArray("verdicts");
            foreach (var (run, line) in s.Verdicts ?? []) { w.WriteStartObject(); w.WriteString("run", run); w.WriteString("verdict", line); w.WriteEndObject(); }
            w.WriteEndArray();
            w.WriteStartArray("training");
            foreach (var t in s.Train)
            {
                w.WriteStartObject();
                w.WriteString("name", t.Name);
                w.WriteString("path", t.Path);
                Str(w, "objective", t.Objective);
                Str(w, "outcome_model", t.OutcomeModel);
                w.WriteNumber("steps", t.Steps.Count);
                w.WriteNumber("skipped_lines", t.SkippedLines);
                Num(w, "final_value_smoothed", Report.FinalSmoothed(t.Series("value"), r.SmoothWindow));
                Num(w, "final_ess_fraction_smoothed", Report.FinalSmoothed(t.Series("ess_fraction"), r.SmoothWindow));
                Num(w, "final_loss_smoothed", Report.FinalSmoothed(t.Series("loss"), r.SmoothWindow));
                Num(w, "best_epoch", t.BestEpoch);
                Num(w, "validation_value", t.ValidationValue);
                Num(w, "validation_ess_fraction", t.ValidationEssFraction);
                Num(w, "best_validation_loss", t.ValidationLoss);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteStartArray("true_values");
            foreach (var d in s.Demos)
                foreach (var m in d.Models)
                {
                    w.WriteStartObject();
                    w.WriteString("run", d.Name); w.WriteString("model", m.Model);
                    Num(w, "value", m.Value); Num(w, "ci_low", m.Lo); Num(w, "ci_high", m.Hi); Num(w, "fraction_grammatical", m.FractionGrammatical);
                    Num(w, "value_under_randomization", d.ValueUnderRandomization); Num(w, "best_possible_value", d.BestPossibleValue);
                    w.WriteEndObject();
                }
            w.WriteEndArray();
            w.WriteStartArray("estimates");
            foreach (var e in s.Evaluations)
            {
                foreach (var x in e.Estimates) Estimate(w, e.Name, x, false);
                foreach (var x in e.Differences) Estimate(w, e.Name, x, true, e.Baseline);
            }
            w.WriteEndArray();
            w.WriteStartArray("win_rates");
            foreach (var j in s.Judges)
            {
                w.WriteStartObject();
                w.WriteString("run", j.Name); w.WriteString("method", j.Method); w.WriteString("baseline", j.Baseline); Str(w, "judge", j.Judge);
                Num(w, "rate", j.Rate); Num(w, "ci_low", j.Lo); Num(w, "ci_high", j.Hi); w.WriteBoolean("significant", j.Significant);
                w.WriteNumber("valid", j.Valid); w.WriteNumber("invalid", j.Invalid);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteStartArray("figures");
            foreach (var f in r.Figures) w.WriteStringValue(f);
            w.WriteEndArray();
            w.WriteStartArray("warnings");
            foreach (var x in r.Warnings) w.WriteStringValue(x);
            w.WriteEndArray();
            w.WriteEndObject();
        });
    }

    static void Estimate(Utf8JsonWriter w, string run, (string Model, string Estimator, double Estimate, double Lo, double Hi) x, bool difference, string? baseline = null)
    {
        w.WriteStartObject();
        w.WriteString("run", run); w.WriteString("model", x.Model); w.WriteString("estimator", x.Estimator);
        if (difference) { w.WriteString("difference_to", baseline); }
        Num(w, "estimate", x.Estimate); Num(w, "ci_low", x.Lo); Num(w, "ci_high", x.Hi);
        w.WriteEndObject();
    }

    /// <summary>report.md: a section per kind of source with tables, the figures inline, and the warnings.</summary>
    public static string Markdown(ReportResult r)
    {
        var s = r.Sources;
        var sb = new StringBuilder();
        sb.AppendLine("# causalpo report");
        sb.AppendLine();
        sb.AppendLine("Sources:");
        foreach (var (p, kind) in s.Found) sb.AppendLine($"- {kind}: `{p}`");
        sb.AppendLine();
        if (s.Verdicts is { Count: > 0 } verdicts)
        {
            sb.AppendLine("## Verdicts (pipeline runs)");
            sb.AppendLine();
            foreach (var (run, line) in verdicts) sb.AppendLine($"- `{run}` {line}");
            sb.AppendLine();
        }

        if (s.Demos.Count > 0)
        {
            sb.AppendLine("## True values (built-in world)");
            sb.AppendLine();
            foreach (var d in s.Demos)
            {
                sb.AppendLine($"`{d.Name}`{(d.Seed is int seed ? $", seed {seed}" : "")}: value of the logging distribution P^R {F(d.ValueUnderRandomization)}, best possible {F(d.BestPossibleValue)}.");
                sb.AppendLine();
                sb.AppendLine("| model | true value | 95% CI | grammatical samples |");
                sb.AppendLine("|---|---|---|---|");
                foreach (var m in d.Models)
                    sb.AppendLine($"| {Cell(m.Model)} | {F(m.Value)} | [{F(m.Lo)}, {F(m.Hi)}] | {(m.FractionGrammatical is double g ? g.ToString("0%", Inv) : "–")} |");
                sb.AppendLine();
            }
            sb.AppendLine("![true values](true_values.png)");
            sb.AppendLine();
        }

        if (s.Train.Count > 0)
        {
            sb.AppendLine("## Training");
            sb.AppendLine();
            sb.AppendLine($"Final values are the centered moving average (window {r.SmoothWindow}) at the last step. Batch values are self-normalized within each batch; validation values are on the held-out split.");
            sb.AppendLine();
            sb.AppendLine("| run | objective | steps | final value | final ESS fraction | best epoch | validation value | validation ESS fraction | final / best validation loss |");
            sb.AppendLine("|---|---|---|---|---|---|---|---|---|");
            foreach (var t in s.Train)
            {
                var loss = Report.FinalSmoothed(t.Series("loss"), r.SmoothWindow);
                sb.AppendLine($"| {Cell(t.Name)} | {t.Objective ?? (t.Series("value").Count == 0 ? "ft / sft" : "–")} | {t.Steps.Count} | " +
                              $"{F(Report.FinalSmoothed(t.Series("value"), r.SmoothWindow))} | {F(Report.FinalSmoothed(t.Series("ess_fraction"), r.SmoothWindow))} | " +
                              $"{(t.BestEpoch?.ToString(Inv) ?? "–")} | {F(t.ValidationValue)} | {F(t.ValidationEssFraction)} | " +
                              $"{(t.Objective is null && t.Series("value").Count == 0 ? $"{F(loss)} / {F(t.ValidationLoss)}" : "–")} |");
            }
            sb.AppendLine();
            foreach (var f in new[] { "training_value.png", "training_ess.png", "training_loss.png" }.Where(r.Figures.Contains))
                sb.AppendLine($"![{f}]({f})");
            sb.AppendLine();
        }

        if (s.Evaluations.Count > 0)
        {
            sb.AppendLine("## Off-policy value estimates (95% CI)");
            sb.AppendLine();
            foreach (var e in s.Evaluations)
            {
                var estimators = e.Estimates.Select(x => x.Estimator).Distinct().ToList();
                sb.AppendLine($"`{e.Name}`: outcome `{e.Outcome}` ({(e.HigherIsBetter ? "higher" : "lower")} is better); details in `{Path.Combine(e.Path, "evaluation.md")}`.");
                sb.AppendLine();
                sb.AppendLine($"| model | {string.Join(" | ", estimators)} |");
                sb.AppendLine($"|---|{string.Concat(estimators.Select(_ => "---|"))}");
                foreach (var model in e.Estimates.Select(x => x.Model).Distinct())
                    sb.AppendLine($"| {Cell(model)} | {string.Join(" | ", estimators.Select(est => e.Estimates.Where(x => x.Model == model && x.Estimator == est).Select(x => $"{F(x.Estimate)} [{F(x.Lo)}, {F(x.Hi)}]").FirstOrDefault() ?? "n/a"))} |");
                sb.AppendLine();
                if (e.Differences.Count > 0)
                {
                    sb.AppendLine($"Difference to `{e.Baseline}` (paired):");
                    sb.AppendLine();
                    sb.AppendLine($"| model | {string.Join(" | ", estimators)} |");
                    sb.AppendLine($"|---|{string.Concat(estimators.Select(_ => "---|"))}");
                    foreach (var model in e.Differences.Select(x => x.Model).Distinct())
                        sb.AppendLine($"| {Cell(model)} | {string.Join(" | ", estimators.Select(est => e.Differences.Where(x => x.Model == model && x.Estimator == est).Select(x => $"{(x.Estimate > 0 ? "+" : "")}{F(x.Estimate)} [{F(x.Lo)}, {F(x.Hi)}]{(x.Lo > 0 || x.Hi < 0 ? " *" : "")}").FirstOrDefault() ?? "n/a"))} |");
                    sb.AppendLine();
                }
            }
            if (r.Figures.Contains("estimated_values.png")) sb.AppendLine("![estimated values](estimated_values.png)");
            sb.AppendLine();
        }

        if (s.Judges.Count > 0)
        {
            sb.AppendLine("## Pairwise win rates (95% CI)");
            sb.AppendLine();
            sb.AppendLine("| method | baseline | judge | win rate | 95% CI | significant | valid | invalid |");
            sb.AppendLine("|---|---|---|---|---|---|---|---|");
            foreach (var j in s.Judges)
                sb.AppendLine($"| {Cell(j.Method)} | {Cell(j.Baseline)} | {Cell(j.Judge ?? "–")} | {F(j.Rate)} | [{F(j.Lo)}, {F(j.Hi)}] | {(j.Significant ? "yes" : "no")} | {j.Valid} | {j.Invalid} |");
            sb.AppendLine();
            sb.AppendLine("![win rates](win_rates.png)");
            sb.AppendLine();
        }

        if (r.Warnings.Count > 0)
        {
            sb.AppendLine("## Warnings");
            sb.AppendLine();
            foreach (var w in r.Warnings) sb.AppendLine($"- {w}");
        }
        return sb.ToString();
    }

    static string F(double? v) => v is double x ? PolicyEvaluationMarkdown.Num(x) : "–";

    static string Cell(string s) => s.Replace("|", "\\|");

    static void Num(Utf8JsonWriter w, string name, double? v)
    {
        if (v is double x && double.IsFinite(x)) w.WriteNumber(name, x); else w.WriteNull(name);
    }

    static void Str(Utf8JsonWriter w, string name, string? v)
    {
        if (v is null) w.WriteNull(name); else w.WriteString(name, v);
    }
}
