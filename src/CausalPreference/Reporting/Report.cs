using CausalPreference.IO;

namespace CausalPreference.Reporting;

/// <summary>
/// <c>causalpo report</c>: collects what demo, train, evaluate and judge runs wrote into one report: report.md,
/// report.json, and PNGs of training curves (value and ESS fraction per step, one series per run, centered moving
/// average over the faint raw values; FT/SFT loss), true values (demo), estimated values with 95% CIs (evaluate) and
/// win rates (judge).
/// </summary>
public static class Report
{
    /// <summary>Reads the run folders and writes the report.</summary>
    /// <exception cref="InputException">A folder is missing or holds nothing a causalpo verb writes; a file is malformed.</exception>
    public static ReportResult Build(ReportOptions o, TextWriter? log = null)
    {
        ArgumentNullException.ThrowIfNull(o);
        log ??= TextWriter.Null;
        if (o.RunDirs.Count == 0) throw new InputException("give at least one run folder (a demo, train, evaluate or judge `out` folder)");
        if (o.SmoothWindow < 0) throw new InputException($"the smoothing window must be ≥ 0 (0 = automatic); got {o.SmoothWindow}");
        string outDir = o.OutDir ?? Path.Combine(o.RunDirs[0], "report");
        var src = ReportSources.Scan(o.RunDirs, outDir);
        foreach (var (path, kind) in src.Found) log.WriteLine($"found {kind}: {path}");

        int longest = src.Train.Select(t => t.Steps.Count).DefaultIfEmpty(0).Max();
        int window = o.SmoothWindow > 0 ? o.SmoothWindow : AutoWindow(longest);
        var warnings = Warnings(src, window);
        var figures = ReportPlots.WriteAll(src, outDir, window);
        var result = new ReportResult(outDir, figures, src, window, warnings);
        ReportWriter.WriteJson(result, Path.Combine(outDir, "report.json"));
        AtomicFile.WriteAllText(Path.Combine(outDir, "report.md"), ReportWriter.Markdown(result));
        return result;
    }

    /// <summary>About 1/30 of the series, odd, at least 1.</summary>
    public static int AutoWindow(int steps) => Math.Max(1, steps / 30) | 1;

    /// <summary>
    /// Centered moving average: output i is the mean of values[i − ⌊w/2⌋ … i + ⌈w/2⌉ − 1], truncated at both ends
    /// (so the first and last points average fewer values; no padding).
    /// </summary>
    public static double[] MovingAverage(IReadOnlyList<double> values, int window)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (window < 1) throw new ArgumentOutOfRangeException(nameof(window), window, "the window must be at least 1");
        int half = window / 2, n = values.Count;
        var prefix = new double[n + 1];
        for (int i = 0; i < n; i++) prefix[i + 1] = prefix[i] + values[i];
        var result = new double[n];
        for (int i = 0; i < n; i++)
        {
            int lo = Math.Max(0, i - half), hi = Math.Min(n - 1, i + (window - 1 - half));
            result[i] = (prefix[hi + 1] - prefix[lo]) / (hi - lo + 1);
        }
        return result;
    }

    /// <summary>The last smoothed value of a series, or null when it is empty.</summary>
    public static double? FinalSmoothed(IReadOnlyList<(double Step, double Value)> series, int window) =>
        series.Count == 0 ? null : MovingAverage(series.Select(p => p.Value).ToArray(), window)[^1];

    static List<string> Warnings(ReportSources src, int window)
    {
        var w = new List<string>();
        foreach (var t in src.Train)
        {
            if (t.SkippedLines > 0) w.Add($"{t.Name}: {t.SkippedLines} unreadable line(s) in train_log.jsonl were skipped (e.g. a run stopped mid-write).");
            if (t.Steps.Count == 0) w.Add($"{t.Name}: train_log.jsonl has no steps.");
            if (FinalSmoothed(t.Series("ess_fraction"), window) is double ess && ess < 0.1)
                w.Add($"{t.Name}: the batch ESS fraction ends at {ess:0.###}: the weights concentrate on few rows per batch, so the objective's gradient is noisy.");
            if (t.ValidationEssFraction is double v && v < 0.1)
                w.Add($"{t.Name}: validation ESS fraction {v:0.###} (< 0.1): its validation value rests on a handful of rows and is unreliable.");
        }
        foreach (var d in src.Demos)
            foreach (var m in d.Models.Where(m => m.FractionGrammatical is < 0.5))
                w.Add($"{d.Name}: {m.Model}: only {m.FractionGrammatical!.Value.ToString("0%", System.Globalization.CultureInfo.InvariantCulture)} of its samples are grammatical texts of the world.");
        foreach (var e in src.Evaluations)
        {
            foreach (var (model, ess) in e.EssFractions.Where(x => x.EssFraction < 0.1))
                w.Add($"{e.Name}: {model}: ESS fraction {ess:0.###} on the held-out rows: weighted estimates are unreliable.");
            if (e.Warnings > 0) w.Add($"{e.Name}: evaluation.json holds {e.Warnings} warning(s); see its evaluation.md.");
        }
        return w;
    }
}
