using CausalPreference.Evaluation.Judging;
using CausalPreference.Reporting;

namespace CausalPreference.Tests.Reporting;

public class PlotsTests
{
    static void AssertPng(string path)
    {
        Assert.True(File.Exists(path), path);
        var bytes = File.ReadAllBytes(path);
        Assert.True(bytes.Length > 5 * 1024, $"{path} is only {bytes.Length} bytes");
        Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, bytes[..4]);
    }

    [Fact]
    public void RendersAllThreeFiguresHeadless()
    {
        var dir = Directory.CreateTempSubdirectory("cp-plots-");
        try
        {
            // Figure 1, Hate Speech panel (the paper's bar heights).
            var rows = new[]
            {
                WinRateRow.From("DR-CPO", "OO-RLHF", WinRate.FromProportion(0.560, 2000)),
                WinRateRow.From("DR-CPO", "FT", WinRate.FromProportion(0.524, 2000)),
                WinRateRow.From("DR-CPO", "CPO", WinRate.FromProportion(0.518, 2000)),
            };
            var bars = Path.Combine(dir.FullName, "winrates.png");
            Plots.WinRateBars(rows, bars, "Hate Speech: DR-CPO win rates");
            AssertPng(bars);

            var est = new List<(string, string, double, double, double)>
            {
                ("FT", "IPW", 0.22, 0.15, 0.29), ("FT", "SNIPS", 0.21, 0.17, 0.25), ("FT", "DR", 0.219, 0.2, 0.238),
                ("CPO", "IPW", 0.25, 0.17, 0.33), ("CPO", "SNIPS", 0.23, 0.19, 0.27), ("CPO", "DR", 0.230, 0.21, 0.25),
            };
            var values = Path.Combine(dir.FullName, "values.png");
            Plots.ValueEstimates(est, "Value estimates", values);
            AssertPng(values);

            var curves = new Dictionary<string, IReadOnlyList<(double, double)>>
            {
                ["train"] = Enumerable.Range(0, 50).Select(i => ((double)i, Math.Exp(-i / 20.0))).ToList(),
                ["eval"] = Enumerable.Range(0, 5).Select(i => (i * 12.0, Math.Exp(-i * 12 / 25.0) + 0.05)).ToList(),
            };
            var train = Path.Combine(dir.FullName, "curves.png");
            Plots.TrainingCurves(curves, "loss", "Training", train);
            AssertPng(train);

            if (Environment.GetEnvironmentVariable("CAUSALPO_KEEP_PLOTS") is { Length: > 0 } keep)
                foreach (var f in new[] { bars, values, train }) File.Copy(f, Path.Combine(keep, Path.GetFileName(f)), true);
        }
        finally { dir.Delete(true); }
    }
}
