using ScottPlot;

namespace CausalPreference.Pipeline;

/// <summary>The demo's bar chart: each model's true value with its 95% CI, and reference lines for randomization and the best text.</summary>
public static class DemoPlot
{
    /// <summary>Draws the chart (1000 × 520 PNG) to <paramref name="path"/>, atomically: FT grey, runs with the confounded
    /// ĝ red, the others blue.</summary>
    public static void Write(DemoResults r, string path)
    {
        var plt = new Plot();
        for (int i = 0; i < r.Models.Count; i++)
        {
            var m = r.Models[i];
            var bar = plt.Add.Bar(i, m.TrueValue);
            bar.Color = m.OutcomeModel == "confounded" ? Colors.IndianRed : m.Name == "FT" ? Colors.Gray : Colors.SteelBlue;
            var eb = plt.Add.ErrorBar(new[] { (double)i }, new[] { m.TrueValue }, new[] { m.TrueValue - m.CiLow });
            eb.Color = Colors.Black;
        }
        var hl = plt.Add.HorizontalLine(r.ValueUnderRandomization);
        hl.LinePattern = LinePattern.Dashed; hl.Color = Colors.DarkGray;
        hl.LegendText = "value of the randomization P^R";
        plt.Axes.Bottom.SetTicks(Enumerable.Range(0, r.Models.Count).Select(i => (double)i).ToArray(),
            r.Models.Select(m => m.Name.Replace(" (confounded ĝ)", "\n(confounded g)")).ToArray());
        plt.Title($"True value E[g*(X)] of each model's samples (95% CI), seed {r.Seed}");
        plt.YLabel("true mean outcome");
        double lo = Math.Min(r.ValueUnderRandomization, r.Models.Min(m => m.CiLow)) - 0.3;
        double hi = Math.Max(r.ValueUnderRandomization, r.Models.Max(m => m.CiHigh)) + 0.3;
        plt.Axes.SetLimitsY(lo, hi);
        plt.ShowLegend(Alignment.UpperLeft);
        CausalPreference.IO.AtomicFile.WriteVia(path, tmp => plt.SavePng(tmp, 1000, 520), suffix: ".png");
    }
}
