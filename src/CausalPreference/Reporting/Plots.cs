using System.Globalization;
using CausalPreference.Evaluation.Judging;
using CausalPreference.IO;
using ScottPlot;

namespace CausalPreference.Reporting;

/// <summary>
/// PNG figures for reports (ScottPlot 5, rendered headless through SkiaSharp; written atomically).
/// Text uses "DejaVu Sans" when installed (Debian: fonts-dejavu-core), else SkiaSharp's default typeface
/// (on this machine that is DejaVu Serif); a machine with no fonts at all renders no text.
/// </summary>
public static class Plots
{
    const int Width = 900;
    static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    /// <summary>
    /// Horizontal bars like the paper's Figure 1: per comparison a bar split at the method's win rate
    /// (method share on the left, baseline share on the right), 95% CI whiskers at the split, a dashed line at 0.5,
    /// and "*" on significant comparisons.
    /// </summary>
    public static void WinRateBars(IReadOnlyList<WinRateRow> rows, string path, string title = "Pairwise win rates (95% CI)")
    {
        ArgumentNullException.ThrowIfNull(rows);
        if (rows.Count == 0) throw new ArgumentException("no win rates to plot", nameof(rows));
        using var plt = NewPlot(title);
        var palette = new ScottPlot.Palettes.Category10();
        Color methodColor = palette.GetColor(0), baselineColor = palette.GetColor(1);
        var bars = new List<Bar>();
        var ticks = new List<(double, string)>();
        var labels = new List<(string Text, double X, double Y, Alignment Align)>();
        var xs = new List<double>(); var ys = new List<double>(); var lo = new List<double>(); var hi = new List<double>();
        for (int i = 0; i < rows.Count; i++)
        {
            var r = rows[i];
            double y = rows.Count - 1 - i; // first row on top
            double rate = double.IsFinite(r.Rate) ? r.Rate : 0.5;
            bars.Add(new Bar { Position = y, ValueBase = 0, Value = rate, FillColor = methodColor.WithAlpha(0.85), Size = 0.6 });
            bars.Add(new Bar { Position = y, ValueBase = rate, Value = 1, FillColor = baselineColor.WithAlpha(0.85), Size = 0.6 });
            ticks.Add((y, $"{r.Method} vs {r.Baseline}{(r.Significant ? " *" : "")}"));
            if (double.IsFinite(r.Rate))
            {
                labels.Add(($"{r.Method} {r.Rate.ToString("0.000", Inv)}", 0.01, y, Alignment.MiddleLeft));
                labels.Add(($"{r.Baseline} {(1 - r.Rate).ToString("0.000", Inv)}", 0.99, y, Alignment.MiddleRight));
            }
            else labels.Add(("no valid judgments", 0.01, y, Alignment.MiddleLeft));
            if (double.IsFinite(r.Lower) && double.IsFinite(r.Upper))
            {
                xs.Add(r.Rate); ys.Add(y); lo.Add(r.Rate - r.Lower); hi.Add(r.Upper - r.Rate);
            }
        }
        var barPlot = plt.Add.Bars(bars);
        barPlot.Horizontal = true;
        foreach (var (text, x, y, align) in labels)
        {
            var t = plt.Add.Text(text, x, y);
            t.Alignment = align;
            t.LabelFontSize = 13;
            t.LabelFontColor = Colors.White;
            t.LabelBold = true;
        }
        plt.Add.VerticalLine(0.5, 1.5f, Colors.Black, LinePattern.Dashed);
        if (xs.Count > 0)
        {
            var zeros = new double[xs.Count];
            var eb = new ScottPlot.Plottables.ErrorBar(xs, ys, hi, lo, zeros, zeros) { LineWidth = 2, CapSize = 10, Color = Colors.Black };
            plt.Add.Plottable(eb);
        }
        plt.Axes.Left.SetTicks(ticks.Select(t => t.Item1).ToArray(), ticks.Select(t => t.Item2).ToArray());
        var xTicks = Enumerable.Range(0, 11).Select(i => i / 10.0).ToArray();
        plt.Axes.Bottom.SetTicks(xTicks, xTicks.Select(v => v.ToString("0.0", Inv)).ToArray());
        plt.Axes.SetLimits(0, 1, -0.6, rows.Count - 0.4);
        plt.XLabel("share of valid judgments: method (left) | baseline (right); whiskers 95% CI; * CI excludes 0.5 (dashed)", 13);
        Save(plt, path, Width, Math.Max(300, 130 + 70 * rows.Count));
    }

    /// <summary>
    /// Value estimates with 95% CI whiskers: one group per model along x, one colour per estimator (IPW, SNIPS, DR...),
    /// points offset within the group.
    /// </summary>
    public static void ValueEstimates(IReadOnlyList<(string Model, string Estimator, double Estimate, double Lo, double Hi)> estimates, string title, string path,
        double? referenceLine = null, string? referenceLabel = null)
    {
        ArgumentNullException.ThrowIfNull(estimates);
        if (estimates.Count == 0) throw new ArgumentException("no estimates to plot", nameof(estimates));
        using var plt = NewPlot(title);
        var models = estimates.Select(e => e.Model).Distinct().ToList();
        var estimators = estimates.Select(e => e.Estimator).Distinct().ToList();
        var palette = new ScottPlot.Palettes.Category10();
        double width = 0.6, step = estimators.Count > 1 ? width / (estimators.Count - 1) : 0;
        for (int k = 0; k < estimators.Count; k++)
        {
            var rows = estimates.Where(e => e.Estimator == estimators[k] && double.IsFinite(e.Estimate)).ToList();
            if (rows.Count == 0) continue;
            var xs = rows.Select(e => models.IndexOf(e.Model) - (estimators.Count > 1 ? width / 2 : 0) + k * step).ToArray();
            var ys = rows.Select(e => e.Estimate).ToArray();
            var color = palette.GetColor(k);
            var sc = plt.Add.Scatter(xs, ys, color);
            sc.LineWidth = 0; sc.MarkerSize = 10; sc.LegendText = estimators[k];
            var withCi = rows.Select((e, i) => (e, i)).Where(t => double.IsFinite(t.e.Lo) && double.IsFinite(t.e.Hi)).ToList();
            if (withCi.Count > 0)
            {
                var zeros = new double[withCi.Count];
                var eb = new ScottPlot.Plottables.ErrorBar(
                    withCi.Select(t => xs[t.i]).ToArray(), withCi.Select(t => t.e.Estimate).ToArray(), zeros, zeros,
                    withCi.Select(t => t.e.Hi - t.e.Estimate).ToArray(), withCi.Select(t => t.e.Estimate - t.e.Lo).ToArray())
                { Color = color, LineWidth = 2, CapSize = 8 };
                plt.Add.Plottable(eb);
            }
        }
        if (referenceLine is double line && double.IsFinite(line))
        {
            var h = plt.Add.HorizontalLine(line, 1.5f, Colors.Gray, LinePattern.Dashed);
            h.LegendText = referenceLabel ?? "";
        }
        plt.Axes.Bottom.SetTicks(Enumerable.Range(0, models.Count).Select(i => (double)i).ToArray(), models.ToArray());
        plt.Axes.SetLimitsX(-0.7, models.Count - 0.3);
        plt.XLabel("model");
        plt.YLabel("estimated value (95% CI)");
        plt.ShowLegend(Alignment.UpperRight);
        Save(plt, path, Width, 520);
    }

    /// <summary>Training curves: one line per series (e.g. train loss, eval loss) against the step.</summary>
    public static void TrainingCurves(IReadOnlyDictionary<string, IReadOnlyList<(double Step, double Value)>> series, string yLabel, string title, string path)
    {
        ArgumentNullException.ThrowIfNull(series);
        if (series.Count == 0) throw new ArgumentException("no series to plot", nameof(series));
        using var plt = NewPlot(title);
        var palette = new ScottPlot.Palettes.Category10();
        int k = 0;
        foreach (var (name, points) in series)
        {
            var pts = points.Where(p => double.IsFinite(p.Step) && double.IsFinite(p.Value)).OrderBy(p => p.Step).ToArray();
            var color = palette.GetColor(k++);
            if (pts.Length == 0) continue;
            var sc = plt.Add.Scatter(pts.Select(p => p.Step).ToArray(), pts.Select(p => p.Value).ToArray(), color);
            sc.LineWidth = 2; sc.MarkerSize = pts.Length <= 30 ? 6 : 0; sc.LegendText = name;
        }
        plt.XLabel("step");
        plt.YLabel(yLabel);
        plt.ShowLegend(Alignment.UpperRight);
        Save(plt, path, Width, 520);
    }

    static Plot NewPlot(string title)
    {
        var plt = new Plot();
        if (Fonts.GetTypeface("DejaVu Sans", false, false) is { FamilyName: "DejaVu Sans" })
            plt.Font.Set("DejaVu Sans");
        plt.Title(title, 18);
        return plt;
    }

    static void Save(Plot plt, string path, int width, int height)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        byte[] png;
        try { png = plt.GetImageBytes(width, height, ImageFormat.Png); }
        catch (TypeInitializationException e)
        {
            throw new InvalidOperationException("cannot render the plot: SkiaSharp's native library did not load (" + e.InnerException?.Message +
                                                "). ScottPlot ships SkiaSharp.NativeAssets.Linux.NoDependencies; check that the runtime folder holds libSkiaSharp.so for this platform.", e);
        }
        AtomicFile.WriteAllBytes(path, png);
    }
}
