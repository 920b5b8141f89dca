using CausalPreference.Tests.Evaluation.OffPolicy;
using System.Globalization;
using CausalPreference.Reporting;

namespace CausalPreference.Tests.Reporting;

public sealed class ReportTests : IDisposable
{
    readonly string _dir = Directory.CreateTempSubdirectory("cp-report-").FullName;

    public void Dispose() { try { Directory.Delete(_dir, true); } catch (IOException) { } }

    static string N(double v) => v.ToString("R", CultureInfo.InvariantCulture);

    /// <summary>A demo-like folder: results.json, a causal run (value, ESS; training.json, run.json; a torn last line), an FT run (loss only).</summary>
    (string Demo, double[] Values) FakeDemo()
    {
        var demo = Path.Combine(_dir, "demo");
        Directory.CreateDirectory(Path.Combine(demo, "cpo"));
        Directory.CreateDirectory(Path.Combine(demo, "ft"));
        Directory.CreateDirectory(Path.Combine(demo, ".cache"));
        File.WriteAllText(Path.Combine(demo, ".cache", "train_log.jsonl"), "{\"step\":1,\"value\":99}\n"); // hidden: must be ignored
        File.WriteAllText(Path.Combine(demo, "results.json"), """
            {"Seed": 3, "Rows": 100, "ValueUnderRandomization": 3.34, "BestPossibleValue": 6.8,
             "Models": [
               {"Name": "FT", "Objective": "ft", "OutcomeModel": "none", "TrueValue": 3.1, "CiLow": 3.0, "CiHigh": 3.2, "StdError": 0.05, "Samples": 300, "FractionGrammatical": 0.9},
               {"Name": "CPO", "Objective": "cpo", "OutcomeModel": "none", "TrueValue": 3.6, "CiLow": 3.5, "CiHigh": 3.7, "StdError": 0.05, "Samples": 300, "FractionGrammatical": 0.3}
             ]}
            """);
        var rng = new Random(4);
        var values = new double[90];
        var lines = new List<string>();
        for (int s = 1; s <= values.Length; s++)
        {
            values[s - 1] = 3 + 0.01 * s + (rng.NextDouble() - 0.5);
            double ess = 0.9 - 0.005 * s;
            lines.Add($"{{\"step\":{s},\"epoch\":{N(s / 90.0)},\"loss\":{N(-values[s - 1])},\"lr\":0.001,\"value\":{N(values[s - 1])},\"ess\":{N(4 * ess)},\"ess_fraction\":{N(ess)},\"max_weight\":0.4,\"grad_norm\":null}}");
        }
        File.WriteAllText(Path.Combine(demo, "cpo", "train_log.jsonl"), string.Join("\n", lines) + "\n{\"step\":91,\"val");
        File.WriteAllText(Path.Combine(demo, "cpo", "training.json"), """
            {"best_epoch": 1, "best_validation_loss": -3.9, "steps": 90, "epochs": [{"epoch": 1, "step": 90, "validation_value": 3.9, "validation_ess_fraction": 0.05}]}
            """);
        File.WriteAllText(Path.Combine(demo, "cpo", "run.json"), """{"Objective": "cpo", "OutcomeModel": null, "BestValidationValue": 3.9, "ValidationEssFraction": 0.05}""");
        File.WriteAllLines(Path.Combine(demo, "ft", "train_log.jsonl"),
            Enumerable.Range(1, 40).Select(s => $"{{\"step\":{s},\"epoch\":{N(s / 40.0)},\"loss\":{N(4.0 / s)},\"lr\":0.003}}"));
        return (demo, values);
    }

    string FakeJudge()
    {
        var judge = Path.Combine(_dir, "judge");
        Directory.CreateDirectory(judge);
        File.WriteAllText(Path.Combine(judge, "winrate.json"), """
            {"method": "DR-CPO", "baseline": "FT", "judge": "fake", "seed": 1, "pairs": 100,
             "win_rate": {"rate": 0.6, "se": 0.049, "ci_low": 0.504, "ci_high": 0.696, "ci_level": 0.95, "significant": true, "wins": 60, "losses": 40, "valid": 100, "invalid": 0}}
            """);
        return judge;
    }

    [Fact]
    public void ReportOnDemoTrainAndJudgeFoldersWritesMarkdownJsonAndReadablePngs()
    {
        var (demo, values) = FakeDemo();
        var judge = FakeJudge();
        var (code, err) = EvalFixture.Run("report", demo, judge);
        Assert.True(code == 0, err);
        var outDir = Path.Combine(demo, "report"); // default: the first RUN_DIR/report
        foreach (var png in new[] { "training_value.png", "training_ess.png", "training_loss.png", "true_values.png", "win_rates.png" })
            EvalFixture.AssertPng(Path.Combine(outDir, png));
        var md = File.ReadAllText(Path.Combine(outDir, "report.md"));
        Assert.Contains("![true values](true_values.png)", md);
        Assert.Contains("| DR-CPO | FT | fake | 0.6000 |", md);

        using var doc = EvalFixture.Json(Path.Combine(outDir, "report.json"));
        var root = doc.RootElement;
        int window = root.GetProperty("smoothing_window").GetInt32();
        Assert.Equal(3, window); // automatic: 90 steps / 30, odd
        var training = root.GetProperty("training").EnumerateArray().ToList();
        Assert.Equal(2, training.Count); // the hidden .cache folder is not a run
        var cpo = training.Single(t => t.GetProperty("name").GetString() == "demo/cpo");
        Assert.Equal(90, cpo.GetProperty("steps").GetInt32());
        Assert.Equal(1, cpo.GetProperty("skipped_lines").GetInt32());
        Assert.Equal("cpo", cpo.GetProperty("objective").GetString());
        Assert.Equal(0.05, cpo.GetProperty("validation_ess_fraction").GetDouble());
        // Centered window of 3 at the last step: the mean of the last two values.
        Assert.Equal((values[^1] + values[^2]) / 2, cpo.GetProperty("final_value_smoothed").GetDouble(), 1e-12);
        var ft = training.Single(t => t.GetProperty("name").GetString() == "demo/ft");
        Assert.Equal(System.Text.Json.JsonValueKind.Null, ft.GetProperty("final_value_smoothed").ValueKind);
        Assert.Equal((4.0 / 39 + 4.0 / 40) / 2, ft.GetProperty("final_loss_smoothed").GetDouble(), 1e-12);
        Assert.Equal(2, root.GetProperty("true_values").GetArrayLength());
        Assert.Equal(0.6, root.GetProperty("win_rates")[0].GetProperty("rate").GetDouble());
        var warnings = root.GetProperty("warnings").EnumerateArray().Select(w => w.GetString()!).ToList();
        Assert.Contains(warnings, w => w.Contains("unreadable line", StringComparison.Ordinal));
        Assert.Contains(warnings, w => w.Contains("validation ESS fraction 0.05", StringComparison.Ordinal));
        Assert.Contains(warnings, w => w.Contains("CPO: only 30%", StringComparison.Ordinal));
    }

    [Fact]
    public void MovingAverageMatchesANaiveTruncatedWindow()
    {
        var rng = new Random(2);
        var x = Enumerable.Range(0, 23).Select(_ => rng.NextDouble() * 10 - 5).ToArray();
        foreach (int w in new[] { 1, 2, 4, 5, 30 })
        {
            var got = Report.MovingAverage(x, w);
            for (int i = 0; i < x.Length; i++)
            {
                double sum = 0; int count = 0;
                for (int j = i - w / 2; j <= i + (w - 1 - w / 2); j++)
                    if (j >= 0 && j < x.Length) { sum += x[j]; count++; }
                Assert.Equal(sum / count, got[i], 1e-12);
            }
        }
    }

    [Fact]
    public void BadFoldersExit2AndAreNamed()
    {
        var missing = Path.Combine(_dir, "nope");
        var (code, err) = EvalFixture.Run("report", missing);
        Assert.Equal(2, code);
        Assert.Contains(missing, err);

        var empty = Path.Combine(_dir, "empty");
        Directory.CreateDirectory(empty);
        (code, err) = EvalFixture.Run("report", empty);
        Assert.Equal(2, code);
        Assert.Contains(empty, err);
        Assert.Contains("train_log.jsonl", err);

        var broken = Path.Combine(_dir, "broken");
        Directory.CreateDirectory(broken);
        File.WriteAllText(Path.Combine(broken, "evaluation.json"), "{ not json");
        (code, err) = EvalFixture.Run("report", broken);
        Assert.Equal(2, code);
        Assert.Contains(Path.Combine(broken, "evaluation.json"), err);
    }
}
