using System.Globalization;
using System.Text;
using CausalPreference.IO;
using CausalPreference.Reporting;

namespace CausalPreference.Evaluation.OffPolicy;

/// <summary>evaluation.md (readable tables of estimates, differences, weight diagnostics and warnings) and values.png.</summary>
public static class PolicyEvaluationMarkdown
{
    static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    /// <summary>Writes evaluation.json, evaluation.md and values.png into <paramref name="dir"/>.</summary>
    public static void WriteAll(PolicyEvaluationResult r, string dir)
    {
        PolicyEvaluationJson.Write(r, Path.Combine(dir, PolicyEvaluationJson.FileName));
        AtomicFile.WriteAllText(Path.Combine(dir, "evaluation.md"), Render(r));
        var points = r.Models.SelectMany(m => m.Estimates.Where(e => e.Value != null)
            .Select(e => (m.Name, e.Estimator, e.Value!.Estimate, e.Value.CiLow, e.Value.CiHigh))).ToList();
        if (points.Count > 0)
            ReportPlots.Values(points, $"Estimated value of each model (95% CI): {r.Outcome}, {(r.HigherIsBetter ? "higher" : "lower")} is better",
                "estimated value", Path.Combine(dir, "values.png"), null, null);
    }

    /// <summary>The Markdown report.</summary>
    public static string Render(PolicyEvaluationResult r)
    {
        var sb = new StringBuilder();
        sb.AppendLine("# Off-policy evaluation");
        sb.AppendLine();
        sb.AppendLine(Invariant($"- Held-out data: `{r.DataPath}`, {r.Rows} rows; outcome **{r.Outcome}** ({r.OutcomeKind}, {(r.HigherIsBetter ? "higher" : "lower")} is better). Values are on the outcome's raw scale."));
        sb.AppendLine($"- log P^R(X_i): {r.LoggingSource}.");
        sb.AppendLine(r.OutcomeModelSource is null ? "- Outcome model ĝ: none (no policy samples, so DM, DR and SNDR are not computed)."
            : $"- Outcome model ĝ: {r.OutcomeModelSource}{(r.OutcomeModelR2 is double r2 ? Invariant($"; out-of-fold R² {r2:0.000}") : "")}{(r.OutcomeModelAuc is double auc ? Invariant($"; out-of-fold AUC {auc:0.000}") : "")}.");
        sb.AppendLine(Invariant($"- Policy samples per model: {r.PolicySamples} (pure ancestral sampling, seed {r.Seed}). Intervals: 95%, {(r.Options.Ci == Causal.CiMethod.Bootstrap ? $"bootstrap ({r.Options.BootstrapResamples} resamples)" : "influence function")}."));
        if (r.Options.MaxWeight is double mw) sb.AppendLine(Invariant($"- Importance ratios clipped at {mw} (biased toward the logging distribution's value)."));
        sb.AppendLine();

        var fmt = r.Format;
        var verdicts = r.Verdicts;
        if (verdicts.Count > 0)
        {
            sb.AppendLine($"## Verdict against `{r.Baseline}`");
            sb.AppendLine();
            foreach (var v in verdicts) sb.AppendLine($"- {v.Line(fmt)}");
            foreach (var v in verdicts.Where(v => v.Basis != null && v.Reasons.Count > 0)) sb.AppendLine($"  - {v.Model}, set aside: {string.Join("; ", v.Reasons)}");
            sb.AppendLine();
        }
        var estimators = r.Models[0].Estimates.Select(e => e.Estimator).ToList();
        sb.AppendLine("## Estimated value V(f) [95% CI]");
        sb.AppendLine();
        Header(sb, "model", estimators);
        foreach (var m in r.Models)
            sb.AppendLine($"| {Cell(m.Name)} | {string.Join(" | ", m.Estimates.Select(e => Interval(e, signed: false, fmt)))} |");
        sb.AppendLine();

        var others = r.Models.Where(m => m.DifferenceToBaseline != null).ToList();
        if (others.Count > 0)
        {
            sb.AppendLine($"## Difference to the baseline `{r.Baseline}`: V(model) − V({r.Baseline}) [95% CI]");
            sb.AppendLine();
            sb.AppendLine($"Paired on the same held-out rows. * marks an interval that excludes 0; since {(r.HigherIsBetter ? "higher" : "lower")} is better, " +
                          $"a {(r.HigherIsBetter ? "positive" : "negative")} difference favours the model.");
            sb.AppendLine();
            Header(sb, "model", estimators);
            foreach (var m in others)
                sb.AppendLine($"| {Cell(m.Name)} | {string.Join(" | ", m.DifferenceToBaseline!.Select(e => Interval(e, signed: true, fmt)))} |");
            sb.AppendLine();
        }

        sb.AppendLine("## Importance weights P^f(X_i) / P^R(X_i) on the held-out rows (before clipping)");
        sb.AppendLine();
        sb.AppendLine("| model | ESS | ESS / n | largest share | top-5% share | CV | log w range | mean w (support mass) | rows cut at the context |");
        sb.AppendLine("|---|---|---|---|---|---|---|---|---|");
        foreach (var m in r.Models)
        {
            var d = m.Weights;
            sb.AppendLine(Invariant($"| {Cell(m.Name)} | {Num(d.Ess)} | {Pct(d.EssFraction)} | {Pct(d.MaxNormalizedWeight)} | {Pct(d.Top5PercentShare)} | {Num(d.CoefficientOfVariation)} | [{Num(d.LogWeightMin)}, {Num(d.LogWeightMax)}] | {Num(m.SupportMass.Estimate)} [{Num(m.SupportMass.CiLow)}, {Num(m.SupportMass.CiHigh)}] | {m.TruncatedRows} |"));
        }
        sb.AppendLine();
        sb.AppendLine(Invariant($"An ESS fraction below {r.Options.MinEssFraction:0.##} means a handful of rows carry the weighted estimates (IPW, SNIPW, DR, SNDR): treat them as unreliable. ") +
                      "The mean weight estimates the share of the model's probability on texts the logging distribution can produce: below 1, IPW is scaled down by it; clearly above 1, log P^R or log P^f is not a normalized density of these texts.");
        sb.AppendLine();

        if (r.Warnings.Count > 0)
        {
            sb.AppendLine("## Warnings");
            sb.AppendLine();
            foreach (var w in r.Warnings) sb.AppendLine($"- {w}");
            sb.AppendLine();
        }
        sb.AppendLine("## How to read the estimators");
        sb.AppendLine();
        sb.AppendLine("- **IPW**: mean of w·Y; unbiased when log P^R is right, high variance.");
        sb.AppendLine("- **SNIPW**: Σ w·Y / Σ w; slightly biased, much lower variance; usually the one to quote without an outcome model.");
        sb.AppendLine("- **DM**: mean of ĝ over texts sampled from the model; only as good as ĝ, and its interval reflects only the sampling of those texts, not ĝ's error.");
        sb.AppendLine("- **DR / SNDR**: DM plus a weighted residual correction; right if either log P^R or ĝ is right, usually the tightest honest interval.");
        return sb.ToString();
    }

    static void Header(StringBuilder sb, string first, IReadOnlyList<string> estimators)
    {
        sb.AppendLine($"| {first} | {string.Join(" | ", estimators)} |");
        sb.AppendLine($"|---|{string.Concat(estimators.Select(_ => "---|"))}");
    }

    /// <summary>An estimate with its interval in the evaluation's one number format; "not estimable" when the interval has zero width.</summary>
    public static string Interval(EstimatorResult e, bool signed, Reporting.NumberFormat fmt)
    {
        if (e.Value is not { } v) return "n/a";
        if (double.IsFinite(v.CiLow) && v.CiHigh - v.CiLow < Math.Pow(10, -fmt.Decimals)) return "not estimable (zero-width CI)";
        string est = signed ? fmt.Difference(v.Estimate) : fmt.Value(v.Estimate);
        string ci = double.IsFinite(v.CiLow) && double.IsFinite(v.CiHigh) ? (signed ? " " + fmt.DifferenceInterval(v.CiLow, v.CiHigh) : " " + fmt.Interval(v.CiLow, v.CiHigh)) : " [no CI]";
        return est + ci + (signed && e.ExcludesZero ? " *" : "");
    }

    /// <summary>A number with precision by magnitude; "–" when not finite.</summary>
    public static string Num(double v)
    {
        if (!double.IsFinite(v)) return "–";
        double a = Math.Abs(v);
        if (a == 0) return "0";
        if (a >= 1000) return v.ToString("0", Inv);
        if (a >= 1) return v.ToString("0.000", Inv);
        if (a >= 0.001) return v.ToString("0.0000", Inv);
        return a < 0.000001 ? (v < 0 ? "-" : "") + "<0.000001" : v.ToString("0.000000", Inv); // never exponent notation
    }

    static string Pct(double v) => double.IsFinite(v) ? v.ToString("0.0%", Inv) : "–";

    static string Cell(string s) => s.Replace("|", "\\|");

    static string Invariant(FormattableString s) => s.ToString(Inv);
}
