using System.Text.Json;
using CausalPreference.Cli;
using CausalPreference.IO;
using CausalPreference.Pipeline;

namespace CausalPreference.Tests.Pipeline;

public sealed class PipelineRunnerTests : IDisposable
{
    readonly string _dir = Directory.CreateTempSubdirectory("causalpo-pipeline-").FullName;
    public void Dispose() { try { Directory.Delete(_dir, true); } catch (IOException) { } }

    const string SmallWorld = """
    {
      "name": "tiny-world", "seed": 3,
      "data": { "source": "world", "world_rows": 60, "test_fraction": 0.25 },
      "model": { "base": "micro" },
      "ft": { "steps": 4, "batch_size": 16, "lr": 0.003 },
      "objectives": ["cpo", "dr-cpo", "oo-rlhf"],
      "trainer": { "epochs": 1, "batch_size": 16, "lr": 0.001 },
      "outcome_model": { "folds": 2 },
      "m": 12,
      "eval": { "samples": 8, "max_new_tokens": 40, "estimators": ["SNIPW", "SNDR"] }
    }
    """;

    [Fact]
    public void TheDemoIsAPipelineConfigThatReadsBackAsItself()
    {
        var c = Demo.Config(DemoOptions.Quick("runs/x", 4));
        var back = PipelineConfig.Parse(c.ToJson(), ".");
        Assert.Equal(c.ToJson(), back.ToJson());
        Assert.False(back.HasHeldOut);
        Assert.Equal(false, back.SeedCheck);
        Assert.True(back.Trainer.ReferenceFromModel);
        // only the built-in world may hold out no rows: a file's models could not be evaluated at all
        var e = Assert.Throws<CausalPreference.IO.InputException>(() => PipelineConfig.Parse(
            """{ "data": { "source": "file", "path": "d.csv", "outcome": "y", "direction": "higher", "test_fraction": 0 } }""", "."));
        Assert.Contains("only the built-in world may hold out none", e.Message);
    }

    [Fact]
    public void ASmallWorldPipelineRunsEndToEndAndASecondRunSkipsEveryStage()
    {
        var cfg = Path.Combine(_dir, "world.json");
        var outDir = Path.Combine(_dir, "out");
        File.WriteAllText(cfg, SmallWorld);
        Assert.Equal(0, CliApp.Run(["pipeline", "--config", cfg, "--out", outDir]));

        foreach (var f in new[] { "results.md", "results.json", "values.png", "winrates.png", "true_values.png", "data/train.csv", "data/test.csv", StageManifest.FileName })
            Assert.True(File.Exists(Path.Combine(outDir, f)), f);
        using (var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(outDir, "results.json"))))
        {
            var root = doc.RootElement;
            var models = root.GetProperty("models").EnumerateArray().Select(m => m.GetProperty("name").GetString()).ToArray();
            Assert.Equal(new string?[] { "ft", "cpo", "dr-cpo", "oo-rlhf" }, models);
            Assert.Equal(4 * 2, root.GetProperty("values").GetArrayLength()); // 4 models × 2 estimators
            Assert.Equal(3 * 2, root.GetProperty("lifts").GetArrayLength());
            Assert.Equal(4, root.GetProperty("true_values").GetArrayLength());
            Assert.Equal(3 + 3, root.GetProperty("judgments").GetArrayLength()); // 3 vs FT, 3 method pairs
            var prep = root.GetProperty("prepare");
            Assert.Equal(60, prep.GetProperty("train_rows").GetInt32() + prep.GetProperty("test_rows").GetInt32());
        }

        // one verdict per trained model, in results.json and results.md
        using (var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(outDir, "results.json"))))
            Assert.Equal(3, doc.RootElement.GetProperty("verdict_lines").GetArrayLength());
        Assert.Contains("## Verdict", File.ReadAllText(Path.Combine(outDir, "results.md")));
        // `report RUN_DIR` collects the pipeline's verdicts, evaluation and judgments
        var reportDir = Path.Combine(_dir, "report");
        Assert.Equal(0, CliApp.Run(["report", outDir, "--out", reportDir]));
        var md = File.ReadAllText(Path.Combine(reportDir, "report.md"));
        Assert.Contains("## Verdicts (pipeline runs)", md);
        Assert.Contains("pipeline evaluate", md);
        Assert.Contains("pipeline judge", md);

        var second = PipelineRunner.Run(PipelineConfig.Load(cfg), TextWriter.Null, outDir);
        Assert.Empty(second.StagesRun);
        Assert.Equal(["prepare", "ft", "outcome", "reference", "xtilde", "train:cpo", "train:dr-cpo", "train:oo-rlhf",
            "generate:ft", "generate:cpo", "generate:dr-cpo", "generate:oo-rlhf", "evaluate", "judge", "report"], second.StagesSkipped);
        Assert.Equal(4, second.Report!.TrueValues!.Length);
    }

    [Fact]
    public void AConfigWithAnUnknownPropertyOrNoDirectionIsRefused()
    {
        var e = Assert.Throws<InputException>(() => PipelineConfig.Parse("""{ "data": { "source": "world" }, "epochs": 3 }""", _dir));
        Assert.Contains("epochs", e.Message);
        var d = Assert.Throws<InputException>(() => PipelineConfig.Parse("""{ "data": { "path": "x.csv", "outcome": "y" } }""", _dir));
        Assert.Contains("direction", d.Message);
        Assert.Equal(2, CliApp.Run(["pipeline", "--config", Path.Combine(_dir, "missing.json")]));
    }

    [Fact]
    public void TrainerOverlapSettingsAreReadAndChecked()
    {
        var ok = PipelineConfig.Parse("""{ "data": { "source": "world" }, "trainer": { "paper_exact": true, "anchor_weight": 2, "outcome_floor": 1 } }""", _dir);
        Assert.True(ok.Trainer.PaperExact);
        Assert.Equal(2, ok.Trainer.AnchorWeight);
        Assert.Equal(1, ok.Trainer.OutcomeFloor);
        Assert.False(PipelineConfig.Parse("""{ "data": { "source": "world" } }""", _dir).Trainer.PaperExact); // overlap-aware by default
        var e = Assert.Throws<InputException>(() => PipelineConfig.Parse("""{ "data": { "source": "world" }, "trainer": { "anchor_weight": -1 } }""", _dir));
        Assert.Contains("trainer.anchor_weight", e.Message + e.Column);
    }

    [Theory]
    [InlineData("""{ "data": null }""", "\"data\" is null")]
    [InlineData("""{ "data": { "source": "world" }, "model": null }""", "\"model\" is null")]
    [InlineData("""{ "data": { "source": "world" }, "trainer": { "normalization": null } }""", "\"trainer.normalization\" is null")]
    [InlineData("""{ "data": { "source": "world" }, "seed": 1, "seed": 2 }""", "seed")]
    public void NullSectionsAndRepeatedKeysAreRefused(string json, string said)
    {
        var e = Assert.Throws<InputException>(() => PipelineConfig.Parse(json, _dir));
        Assert.Contains(said, e.Message);
    }

    [Fact]
    public void AnUnknownDeviceIsRefusedInPlainWords()
    {
        var cfg = Path.Combine(_dir, "tpu.json");
        File.WriteAllText(cfg, """{ "data": { "source": "world", "world_rows": 40 }, "model": { "base": "micro", "device": "tpu" } }""");
        var r = CliRunner.Run("pipeline", "--config", cfg, "--out", Path.Combine(_dir, "tpu-out"));
        Assert.Equal(2, r.Exit);
        Assert.Contains("model.device 'tpu' is not a device this tool runs on", r.Err);
    }

    [Fact]
    public void FtStopAtLossIsReadAndChecked()
    {
        var ok = PipelineConfig.Parse("""{ "data": { "source": "world" }, "ft": { "steps": 800, "stop_at_loss": 0.185 } }""", _dir);
        Assert.Equal(0.185, ok.Ft.StopAtLoss);
        Assert.Null(PipelineConfig.Parse("""{ "data": { "source": "world" } }""", _dir).Ft.StopAtLoss);
        var e = Assert.Throws<InputException>(() => PipelineConfig.Parse("""{ "data": { "source": "world" }, "ft": { "stop_at_loss": -1 } }""", _dir));
        Assert.Contains("ft.stop_at_loss", e.Message + e.Column);
    }
}

public class TrainingOrderTests
{
    [Fact]
    public void TheDataOrderOfAnEpochIsTheSameInEveryProcess()
    {
        // Independent reference: SplitMix64 of (seed 42, epoch 1) by hand, then .NET's seeded Random Fisher–Yates.
        ulong z = unchecked(42UL * 0x9E3779B97F4A7C15UL + 1UL * 0xD1B54A32D192ED03UL + 0x5EEDUL);
        z = unchecked((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL);
        z = unchecked((z ^ (z >> 27)) * 0x94D049BB133111EBUL);
        z ^= z >> 31;
        var rng = new Random((int)(z & 0x7FFFFFFF));
        var expected = Enumerable.Range(0, 10).ToArray();
        for (int i = 9; i > 0; i--) { int j = rng.Next(i + 1); (expected[i], expected[j]) = (expected[j], expected[i]); }
        Assert.Equal(expected, CausalPreference.Training.TrainLoop.Permutation(10, 42, 1));
        // the mixed seed itself, computed independently (Python, arbitrary-precision integers mod 2^64): a literal, so a
        // per-process randomized seed (as HashCode.Combine is) cannot pass
        Assert.Equal(428991687, (int)(z & 0x7FFFFFFF));
    }
}
