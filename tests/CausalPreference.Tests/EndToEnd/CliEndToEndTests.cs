using System.Text.Json;
using CausalPreference.Pipeline;

namespace CausalPreference.Tests.EndToEnd;

/// <summary>The CLI contract end to end on tiny data: sft → generate/score agreement → outcome-model → train (all objectives).</summary>
public class CliEndToEndTests
{
    static string TempDir() { var d = Path.Combine(Path.GetTempPath(), "cpo-e2e-" + Guid.NewGuid().ToString("N")); Directory.CreateDirectory(d); return d; }

    static (int code, string stdout, string stderr) Run(params string[] args)
    {
        var r = CliRunner.Run(args);
        return (r.Exit, r.Out, r.Err);
    }

    [Fact]
    public void SftGenerateScoreTrainPipeline()
    {
        var d = TempDir();
        var data = Path.Combine(d, "sim.csv");
        Assert.Equal(0, Run("simulate", "--n", "120", "--seed", "3", "--out", data).code);
        var ft = Path.Combine(d, "ft");
        var r = Run("sft", "--data", data, "--base", "micro", "--epochs", "2", "--out", ft);
        Assert.True(r.code == 0, r.stderr);
        Assert.True(File.Exists(Path.Combine(ft, "model.safetensors")));

        // sampling and scoring agree on the density
        var gen = Path.Combine(d, "g.csv");
        Assert.Equal(0, Run("generate", "--model", ft, "--n", "6", "--seed", "1", "--out", gen).code);
        var sc = Path.Combine(d, "s.csv");
        Assert.Equal(0, Run("score", "--model", ft, "--data", gen, "--text-column", "text", "--out", sc).code);
        var g = CausalPreference.Data.TableReader.Read(gen); var s = CausalPreference.Data.TableReader.Read(sc);
        for (int i = 0; i < g.RowCount; i++)
            if (g.Get(i, "canonical") == "true")
                Assert.Equal(double.Parse(g.Get(i, "logprob")!), double.Parse(s.Get(i, "logprob")!), 4);

        var gdir = Path.Combine(d, "g");
        var om = Run("outcome-model", "--data", data, "--outcome-column", "outcome", "--higher-is-better", "--out", gdir);
        Assert.True(om.code == 0, om.stderr);
        Assert.Contains("R²", om.stdout);

        foreach (var obj in new[] { "cpo", "dr-cpo", "oo-rlhf" })
        {
            var outDir = Path.Combine(d, obj);
            var t = Run("train", "--data", data, "--outcome-column", "outcome", "--higher-is-better", "--model", ft, "--objective", obj,
                        "--epochs", "1", "--batch-size", "8", "--m", "60", "--out", outDir);
            Assert.True(t.code == 0, t.stderr);
            var run = JsonDocument.Parse(File.ReadAllText(Path.Combine(outDir, "run.json"))).RootElement;
            Assert.Equal(obj, run.GetProperty("Objective").GetString());
            Assert.True(double.IsFinite(run.GetProperty("BestValidationValue").GetDouble()));
            Assert.True(File.Exists(Path.Combine(outDir, "train_log.jsonl")));
            var firstLog = JsonDocument.Parse(File.ReadLines(Path.Combine(outDir, "train_log.jsonl")).First()).RootElement;
            Assert.True(firstLog.TryGetProperty("ess_fraction", out _), "per-step diagnostics are logged");
            // overlap-aware by default: the adaptive anchor is logged, and the run states what it certifies (run.json and the terminal)
            Assert.True(firstLog.TryGetProperty("anchor_weight", out _), "the adaptive anchor's λ is logged");
            Assert.True(run.GetProperty("OverlapAware").GetBoolean());
            var said = run.GetProperty("Certified").GetString()!;
            Assert.Matches("^(improvement over FT ≥|no certified improvement|improvement over FT not estimable)", said);
            Assert.Contains(said, t.stderr);
            Assert.Equal(JsonValueKind.Object, run.GetProperty("Certificate").ValueKind);
        }
        // --paper-exact: the paper's objective (no anchor), still with a statement of what it certifies
        var exactDir = Path.Combine(d, "cpo-exact");
        var exact = Run("train", "--data", data, "--outcome-column", "outcome", "--higher-is-better", "--model", ft, "--objective", "cpo",
                        "--epochs", "1", "--batch-size", "8", "--paper-exact", "--out", exactDir);
        Assert.True(exact.code == 0, exact.stderr);
        var exactRun = JsonDocument.Parse(File.ReadAllText(Path.Combine(exactDir, "run.json"))).RootElement;
        Assert.False(exactRun.GetProperty("OverlapAware").GetBoolean());
        Assert.False(JsonDocument.Parse(File.ReadLines(Path.Combine(exactDir, "train_log.jsonl")).First()).RootElement.TryGetProperty("anchor_weight", out _));
        Assert.Contains("the paper-exact run chose its epoch by the validation V̂", exactRun.GetProperty("Certified").GetString());
        // Horvitz–Thompson weights against design probabilities: exp(ℓ^f − log P^R) underflows, nothing trains — and the run says so
        var htDir = Path.Combine(d, "cpo-ht");
        var ht = Run("train", "--data", data, "--outcome-column", "outcome", "--higher-is-better", "--model", ft, "--objective", "cpo",
                     "--log-propensity-column", "log_propensity", "--normalization", "ht", "--paper-exact", "--epochs", "1", "--batch-size", "8", "--out", htDir);
        Assert.True(ht.code == 0, ht.stderr);
        var htAlarms = JsonDocument.Parse(File.ReadAllText(Path.Combine(htDir, "run.json"))).RootElement.GetProperty("Alarms");
        Assert.Contains(htAlarms.EnumerateArray(), a => a.GetString()!.StartsWith("gradient norm about zero"));
        Assert.Contains("ALARM: gradient norm about zero", ht.stderr);
        // the reference table is cached: a second training run reuses it
        var again = Run("train", "--data", data, "--outcome-column", "outcome", "--higher-is-better", "--model", ft, "--objective", "cpo",
                        "--epochs", "1", "--batch-size", "8", "--out", Path.Combine(d, "cpo2"));
        Assert.Contains("cached", again.stderr);
    }

    [Fact]
    public void BadInputsExitWithCodeTwo()
    {
        var d = TempDir();
        var csv = Path.Combine(d, "bad.csv");
        File.WriteAllText(csv, "text,outcome\nhello,1\nworld,abc\n");
        var r = Run("outcome-model", "--data", csv, "--outcome-column", "outcome", "--higher-is-better", "--out", Path.Combine(d, "o"));
        Assert.Equal(2, r.code);
        Assert.Contains("row 2", r.stderr);
        Assert.Contains("outcome", r.stderr);
        Assert.Equal(2, Run("outcome-model", "--data", csv, "--outcome-column", "missing", "--higher-is-better", "--out", Path.Combine(d, "o")).code);
        Assert.Equal(2, Run("train", "--data", csv, "--outcome-column", "outcome", "--model", Path.Combine(d, "nope"), "--objective", "cpo", "--higher-is-better", "--out", Path.Combine(d, "t")).code);
        Assert.Equal(2, Run("train", "--data", csv, "--outcome-column", "outcome", "--model", "x", "--objective", "ppo", "--higher-is-better", "--out", Path.Combine(d, "t")).code);
    }

    [Fact]
    [Trait("Category", "Slow")]
    public void DemoRunsEndToEndOnATinyBudget()
    {
        var d = TempDir();
        var r = Demo.Run(new DemoOptions { OutDir = d, Base = "micro", Rows = 160, FtSteps = 30, Epochs = 1, EvalSamples = 30, UnlabeledSamples = 40 }, TextWriter.Null);
        Assert.Equal(6, r.Models.Count);
        Assert.All(r.Models, m => Assert.True(m.CiLow <= m.TrueValue && m.TrueValue <= m.CiHigh));
        foreach (var f in new[] { "results.json", "results.md", "true_values.png" }) Assert.True(File.Exists(Path.Combine(d, f)), f);
        Assert.True(new FileInfo(Path.Combine(d, "true_values.png")).Length > 5000);
        // FT stops at its target or its budget: 128 training rows at batch 32 = 4 steps per epoch, 30 steps -> 8 epochs at most
        Assert.InRange(r.FtSteps, 4, 32);
        Assert.Equal(0, r.FtSteps % 4);
        Assert.True(double.IsFinite(r.FtValidationLoss));
        var md = File.ReadAllText(Path.Combine(d, "results.md"));
        Assert.Contains($"after {r.FtSteps} steps (target 0.185", md);
        Assert.Contains(r.FtValidationLoss <= 0.185 ? ", reached)" : ", NOT reached)", md);
        // overlap-aware by default: every causal model states what it certifies, and the table shows both yardsticks
        Assert.False(r.PaperExact);
        Assert.All(r.Models.Skip(1), m => Assert.Matches("^(improvement over FT ≥|no certified improvement|improvement over FT not estimable)", m.Certified));
        Assert.All(r.Models.Skip(1), m => Assert.NotNull(m.Certificate));
        Assert.Contains("| phrase-sum |", md);
        Assert.Contains("Certified lower bound at or below the true improvement in", md);
        Assert.Equal(1.0, r.OutcomeFloor);
        // the demo is a pipeline config: OUT/config.json reruns it, every stage up to date
        Assert.Equal("demo", JsonDocument.Parse(File.ReadAllText(Path.Combine(d, "config.json"))).RootElement.GetProperty("name").GetString());
        var again = PipelineRunner.Run(PipelineConfig.Load(Path.Combine(d, "config.json")), TextWriter.Null, d);
        Assert.Empty(again.StagesRun);
        Assert.Equal(r.Models.Select(m => m.TrueValue), again.Truth!.Models.Select(m => m.TrueValue));
    }

    [Fact]
    public void AnOverflowingHorvitzThompsonRunStillWritesItsRunJsonAndSaysWhy()
    {
        // log P^R = −10000 for every row: exp(ℓ^f − log P^R) overflows, the guard clips it, the value is not a number to report
        var d = TempDir();
        var data = Path.Combine(d, "sim.csv");
        Assert.Equal(0, Run("simulate", "--n", "80", "--seed", "3", "--out", data).code);
        var lines = File.ReadAllLines(data);
        File.WriteAllLines(data, lines.Take(1).Concat(lines.Skip(1).Select(l => l[..l.LastIndexOf(',')] + ",-10000")));
        var ft = Path.Combine(d, "ft");
        Assert.Equal(0, Run("sft", "--data", data, "--base", "micro", "--epochs", "1", "--tokenizer", "bytes", "--out", ft).code);
        var outDir = Path.Combine(d, "ht");
        var t = Run("train", "--data", data, "--outcome-column", "outcome", "--higher-is-better", "--log-propensity-column", "log_propensity",
                    "--normalization", "ht", "--paper-exact", "--epochs", "1", "--batch-size", "8", "--model", ft, "--objective", "cpo", "--out", outDir);
        Assert.True(t.code == 0, t.stderr);
        var run = JsonDocument.Parse(File.ReadAllText(Path.Combine(outDir, "run.json"))).RootElement;
        Assert.Contains(run.GetProperty("Alarms").EnumerateArray(), a => a.GetString()!.StartsWith("log importance ratios beyond"));
        Assert.Contains("not estimable", run.GetProperty("Certified").GetString());
    }
}
