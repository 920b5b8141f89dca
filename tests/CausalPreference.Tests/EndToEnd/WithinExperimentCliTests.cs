using System.Text.Json;

namespace CausalPreference.Tests.EndToEnd;

/// <summary>simulate --experiments → sft → train --group-column: weights within experiments, end to end on a tiny budget.</summary>
public class WithinExperimentCliTests
{
    static (int code, string stdout, string stderr) Run(params string[] args)
    {
        var r = CliRunner.Run(args);
        return (r.Exit, r.Out, r.Err);
    }

    [Fact]
    public void GroupedAbTestsTrainWithinExperimentsByDefault()
    {
        var d = Path.Combine(Path.GetTempPath(), "cpo-wx-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(d);
        var data = Path.Combine(d, "ab.csv");
        var sim = Run("simulate", "--experiments", "40", "--arms", "3", "--readers", "20", "--seed", "4", "--out", data);
        Assert.True(sim.code == 0, sim.stderr);
        Assert.Equal("experiment,text,outcome,readers,log_propensity", File.ReadLines(data).First());
        Assert.Equal(121, File.ReadLines(data).Count());
        var ft = Path.Combine(d, "ft");
        Assert.Equal(0, Run("sft", "--data", data, "--base", "micro", "--epochs", "1", "--out", ft).code);

        foreach (var obj in new[] { "cpo", "dr-cpo" })
        {
            var outDir = Path.Combine(d, obj);
            var t = Run("train", "--data", data, "--outcome-column", "outcome", "--higher-is-better", "--group-column", "experiment",
                        "--log-propensity-column", "log_propensity", "--model", ft, "--objective", obj, "--epochs", "1", "--batch-size", "2",
                        "--m", "40", "--out", outDir);
            Assert.True(t.code == 0, t.stderr);
            Assert.Contains("normalized within each experiment", t.stderr);
            var run = JsonDocument.Parse(File.ReadAllText(Path.Combine(outDir, "run.json"))).RootElement;
            Assert.Equal("within-experiment", run.GetProperty("Weighting").GetString());
            int trainExp = run.GetProperty("TrainExperiments").GetInt32(), valExp = run.GetProperty("ValidationExperiments").GetInt32();
            Assert.Equal(40, trainExp + valExp);
            // a step takes 2 whole experiments: ceil(trainExp / 2) steps in the one epoch, each over 6 rows (3 arms × 2)
            var steps = File.ReadLines(Path.Combine(outDir, "train_log.jsonl")).Select(l => JsonDocument.Parse(l).RootElement)
                .Where(e => e.TryGetProperty("ess", out _)).ToList();
            Assert.Equal((trainExp + 1) / 2, steps.Count);
            Assert.All(steps, s => Assert.InRange(s.GetProperty("ess").GetDouble(), 2 - 1e-9, 6 + 1e-9)); // ≥ one row per experiment
            Assert.InRange(run.GetProperty("MedianStepEssFraction").GetDouble(), 1 / 3.0 - 1e-9, 1);
            var cert = run.GetProperty("Certificate");
            Assert.True(cert.GetProperty("Experiments").GetInt32() >= 2);
            Assert.Contains("experiments, within each", run.GetProperty("Certified").GetString());
        }
        // evaluate on grouped rows: the WITHIN estimator against the baseline, and one verdict per model
        var held = Path.Combine(d, "held.csv");
        Assert.Equal(0, Run("simulate", "--experiments", "12", "--arms", "3", "--readers", "20", "--seed", "9", "--out", held).code);
        var ev = Run("evaluate", "--data", held, "--outcome-column", "outcome", "--higher-is-better", "--group-column", "experiment",
                     "--log-propensity-column", "log_propensity", "--models", ft, Path.Combine(d, "cpo"), "--names", "ft", "cpo",
                     "--policy-samples", "0", "--out", Path.Combine(d, "eval"));
        Assert.True(ev.code == 0, ev.stderr);
        Assert.Contains("verdict: cpo:", ev.stdout);
        var md = File.ReadAllText(Path.Combine(d, "eval", "evaluation.md"));
        Assert.Contains("## Verdict against `ft`", md);
        Assert.Contains("WITHIN", md);
        Assert.Contains("within 12 held-out experiments", md);
        Assert.DoesNotContain("E-", md);

        // pooled on request; a bad value is refused in plain words
        var pooled = Run("train", "--data", data, "--outcome-column", "outcome", "--higher-is-better", "--group-column", "experiment",
                         "--model", ft, "--objective", "cpo", "--epochs", "1", "--weighting", "pooled", "--out", Path.Combine(d, "pooled"));
        Assert.True(pooled.code == 0, pooled.stderr);
        Assert.Equal("pooled", JsonDocument.Parse(File.ReadAllText(Path.Combine(d, "pooled", "run.json"))).RootElement.GetProperty("Weighting").GetString());
        var bad = Run("train", "--data", data, "--outcome-column", "outcome", "--higher-is-better", "--model", ft, "--objective", "cpo",
                      "--weighting", "within-experiment", "--out", Path.Combine(d, "bad"));
        Assert.Equal(2, bad.code);
        Assert.Contains("experiment id", bad.stderr);
        Assert.Equal(2, Run("simulate", "--experiments", "5", "--arms", "1", "--out", Path.Combine(d, "x.csv")).code);
    }
}
