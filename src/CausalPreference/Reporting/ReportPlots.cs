using CausalPreference.Evaluation.Judging;
using CausalPreference.IO;
using ScottPlot;

namespace CausalPreference.Reporting;

/// <summary>The report's PNG figures.</summary>
public static class ReportPlots
{
    /// <summary>Writes every figure the sources allow into <paramref name="dir"/>; returns their file names.</summary>
    public static IReadOnlyList<string> WriteAll(ReportSources src, string dir, int window)
    {
        var figures = new List<string>();
        void Add(string name, Action<string> write) { write(Path.Combine(dir, name)); figures.Add(name); }

        var withValue = src.Train.Where(t => t.Series("value").Count > 0).ToList();
        if (withValue.Count > 0)
            Add("training_value.png", p => TrainingCurves(withValue.Select(t => (t.Name, t.Series("value"))).ToList(), window,
                "objective value V̂ (batch estimate)", $"Training: objective value per step (moving average of {window})", p, null));
        var withEss = src.Train.Where(t => t.Series("ess_fraction").Count > 0).ToList();
        if (withEss.Count > 0)
            Add("training_ess.png", p => TrainingCurves(withEss.Select(t => (t.Name, t.Series("ess_fraction"))).ToList(), window,
                "ESS / batch size", $"Training: effective sample size fraction per step (moving average of {window})", p, (0, 1.05)));
        var lossOnly = src.Train.Where(t => t.Series("value").Count == 0 && t.Series("loss").Count > 0).ToList();
        if (lossOnly.Count > 0)
            Add("training_loss.png", p => TrainingCurves(lossOnly.Select(t => (t.Name, t.Series("loss"))).ToList(), window,
                "loss (nats per token)", $"Fine-tuning loss per step (moving average of {window})", p, null));

        if (src.Demos.Count > 0)
        {
            bool prefix = src.Demos.Count > 1;
            var points = src.Demos.SelectMany(d => d.Models.Select(m => (prefix ? $"{d.Name}: {m.Model}" : m.Model, "true value", m.Value, m.Lo, m.Hi))).ToList();
            var refs = src.Demos.Count == 1 ? src.Demos[0] : null;
            string bestNote = refs?.BestPossibleValue is double bv ? $"; best possible {bv:0.##}" : "";
            Add("true_values.png", p => Values(points, $"True value of each model's samples (95% CI{bestNote})", "true mean outcome g*", p,
                refs?.ValueUnderRandomization, refs?.BestPossibleValue));
        }
        if (src.Evaluations.Count > 0)
        {
            bool prefix = src.Evaluations.Count > 1;
            var points = src.Evaluations.SelectMany(e => e.Estimates.Select(x => (prefix ? $"{e.Name}: {x.Model}" : x.Model, x.Estimator, x.Estimate, x.Lo, x.Hi))).ToList();
            var first = src.Evaluations[0];
            if (points.Count > 0)
                Add("estimated_values.png", p => Values(points, $"Off-policy value estimates (95% CI): {first.Outcome}, {(first.HigherIsBetter ? "higher" : "lower")} is better",
                    "estimated value", p, null, null));
        }
        if (src.Judges.Count > 0)
        {
            var rows = src.Judges.Select(j => new WinRateRow(j.Method, j.Baseline, j.Rate, j.Lo, j.Hi, j.Significant)).ToList();
            Add("win_rates.png", p => Plots.WinRateBars(rows, p));
        }
        return figures;
    }

    /// <summary>One colour per run: the raw per-step values faint, their centered moving average bold (in the legend).</summary>
    static void TrainingCurves(IReadOnlyList<(string Name, IReadOnlyList<(double Step, double Value)> Points)> series, int window,
        string yLabel, string title, string path, (double Lo, double Hi)? yLimits)
    {
        using var plt = NewPlot(title);
        var palette = new ScottPlot.Palettes.Category10();
        double yMin = double.PositiveInfinity, yMax = double.NegativeInfinity;
        for (int k = 0; k < series.Count; k++)
        {
            var pts = series[k].Points.OrderBy(p => p.Step).ToArray();
            var xs = pts.Select(p => p.Step).ToArray();
            var raw = pts.Select(p => p.Value).ToArray();
            var color = palette.GetColor(k);
            if (window > 1)
            {
                var faint = plt.Add.ScatterLine(xs, raw, color.WithAlpha(0.15));
                faint.LineWidth = 1;
            }
            var smooth = Report.MovingAverage(raw, window);
            var line = plt.Add.ScatterLine(xs, smooth, color);
            line.LineWidth = 2.5f;
            line.LegendText = series[k].Name;
            // Limits from the smoothed lines (plus a margin), so a few extreme raw steps do not flatten the curves.
            foreach (var v in smooth) { yMin = Math.Min(yMin, v); yMax = Math.Max(yMax, v); }
        }
        if (yLimits is { } lim) plt.Axes.SetLimitsY(lim.Lo, lim.Hi);
        else if (double.IsFinite(yMin) && double.IsFinite(yMax))
        {
            double pad = Math.Max(1e-9, (yMax - yMin) * 0.12);
            plt.Axes.SetLimitsY(yMin - pad, yMax + pad);
        }
        plt.XLabel("optimizer step", 16);
        plt.YLabel(yLabel, 16);
        plt.ShowLegend(Edge.Right);
        Save(plt, path, 1100, 560);
    }

    /// <summary>
    /// Point estimates with 95% CI whiskers: one group per model along x (long names wrapped), one colour per estimator,
    /// the legend outside on the right, optional dashed reference lines (the logging distribution's value; the best
    /// possible value when it does not squash the points).
    /// </summary>
    public static void Values(IReadOnlyList<(string Model, string Estimator, double Estimate, double Lo, double Hi)> points, string title, string yLabel, string path,
        double? randomization, double? best)
    {
        using var plt = NewPlot(title);
        var models = points.Select(p => p.Model).Distinct().ToList();
        var estimators = points.Select(p => p.Estimator).Distinct().ToList();
        var palette = new ScottPlot.Palettes.Category10();
        double width = estimators.Count > 1 ? 0.6 : 0, step = estimators.Count > 1 ? width / (estimators.Count - 1) : 0;
        double yMin = double.PositiveInfinity, yMax = double.NegativeInfinity;
        for (int k = 0; k < estimators.Count; k++)
        {
            var rows = points.Where(p => p.Estimator == estimators[k] && double.IsFinite(p.Estimate)).ToList();
            if (rows.Count == 0) continue;
            var color = palette.GetColor(k);
            var xs = rows.Select(p => models.IndexOf(p.Model) - width / 2 + k * step).ToArray();
            var sc = plt.Add.ScatterPoints(xs, rows.Select(p => p.Estimate).ToArray(), color);
            sc.MarkerSize = 11;
            sc.LegendText = estimators[k];
            for (int i = 0; i < rows.Count; i++)
            {
                var p = rows[i];
                yMin = Math.Min(yMin, p.Estimate); yMax = Math.Max(yMax, p.Estimate);
                if (!double.IsFinite(p.Lo) || !double.IsFinite(p.Hi)) continue;
                // ErrorBar(xs, ys, xErrorPositive, xErrorNegative, yErrorPositive, yErrorNegative)
                var eb = new ScottPlot.Plottables.ErrorBar([xs[i]], [p.Estimate], [0.0], [0.0], [p.Hi - p.Estimate], [p.Estimate - p.Lo])
                { Color = color, LineWidth = 2, CapSize = 8 };
                plt.Add.Plottable(eb);
                yMin = Math.Min(yMin, p.Lo); yMax = Math.Max(yMax, p.Hi);
            }
        }
        void Ref(double? v, string label, Color c)
        {
            if (v is not double y) return;
            var hl = plt.Add.HorizontalLine(y, 1.5f, c, LinePattern.Dashed);
            hl.LegendText = label;
            yMin = Math.Min(yMin, y); yMax = Math.Max(yMax, y);
        }
        Ref(randomization, "value of the logging distribution P^R", Colors.Gray);
        if (best is double b && b <= yMax + 0.5 * (yMax - yMin)) Ref(best, "best possible", Colors.DarkGreen); // else it would squash the points
        plt.Axes.Bottom.SetTicks(Enumerable.Range(0, models.Count).Select(i => (double)i).ToArray(), models.Select(m => Wrap(m)).ToArray());
        plt.Axes.Bottom.TickLabelStyle.FontSize = 14;
        plt.Axes.SetLimitsX(-0.7, models.Count - 0.3);
        if (double.IsFinite(yMin) && double.IsFinite(yMax))
        {
            double pad = Math.Max(1e-9, (yMax - yMin) * 0.12);
            plt.Axes.SetLimitsY(yMin - pad, yMax + pad);
        }
        plt.YLabel(yLabel, 16);
        plt.ShowLegend(Edge.Right);
        int lines = models.Max(m => Wrap(m).Split('\n').Length);
        Save(plt, path, Math.Max(900, 380 + 140 * models.Count), 560 + 18 * lines);
    }

    /// <summary>Word-wraps a tick label to lines of at most <paramref name="width"/> characters (longer words stay whole).</summary>
    internal static string Wrap(string s, int width = 15)
    {
        var lines = new List<string>();
        var line = "";
        foreach (var word in s.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            if (line.Length > 0 && line.Length + 1 + word.Length > width) { lines.Add(line); line = word; }
            else line = line.Length == 0 ? word : line + " " + word;
        }
        if (line.Length > 0) lines.Add(line);
        return string.Join("\n", lines);
    }

    static Plot NewPlot(string title)
    {
        var plt = new Plot();
        if (Fonts.GetTypeface("DejaVu Sans", false, false) is { FamilyName: "DejaVu Sans" })
            plt.Font.Set("DejaVu Sans");
        plt.Title(title, 18);
        plt.Axes.Left.TickLabelStyle.FontSize = 14;
        plt.Axes.Bottom.TickLabelStyle.FontSize = 14;
        return plt;
    }

    static void Save(Plot plt, string path, int width, int height)
    {
        byte[] png;
        try { png = plt.GetImageBytes(width, height, ImageFormat.Png); }
        catch (TypeInitializationException e)
        {
            throw new InvalidOperationException("cannot render the plot: SkiaSharp's native library did not load (" + e.InnerException?.Message + ").", e);
        }
        AtomicFile.WriteAllBytes(path, png);
    }
}
