using CausalPreference.Causal;
using CausalPreference.IO;
using CausalPreference.Pipeline;
using CausalPreference.Training;

namespace CausalPreference.Tests.Training;

public class TrainingOptionsTests
{
    [Fact]
    public void TheLibraryNamesParametersAndCallersSpellThem()
    {
        var e = Assert.Throws<InputException>(() => new TrainerOptions { BatchSize = 0 }.Validate());
        Assert.Equal(new[] { "batch_size" }, e.Parameters);
        Assert.DoesNotContain("--", e.Message);
        Assert.StartsWith("--batch-size must be at least 1", e.Respell(CausalPreference.Cli.Cli.AsFlag).Message);
        Assert.StartsWith("trainer.batch_size must be at least 1", e.Respell(PipelineTrainerConfig.KeyOf).Message);
    }

    [Fact]
    public void APipelineConfigErrorNamesTheConfigKey()
    {
        var e = Assert.Throws<InputException>(() => PipelineConfig.Parse("""{ "data": { "source": "world" }, "trainer": { "ess_floor": 1.5 } }""", "."));
        Assert.Equal("trainer.ess_floor", e.Column);
        Assert.Contains("trainer.ess_floor: ", e.Message);
        Assert.DoesNotContain("--", e.Message);
    }

    [Fact]
    public void ThePipelineGetsEveryTrainerOptionAndItsDefaultsFromTheLibrary()
    {
        var c = PipelineConfig.Parse("""{ "data": { "source": "world" }, "trainer": { "anchor_weight": 2, "ess_floor": 0.4, "reference_from_model": true, "stop_at_loss": 0.5, "weighting": "pooled" } }""", ".");
        var o = c.Trainer.ToOptions(7, 3, 10);
        Assert.Equal(CausalTrainingOptions.Pipeline.Trainer.Epochs, o.Trainer.Epochs);
        Assert.Equal(CausalTrainingOptions.Pipeline.Trainer.LearningRate, o.Trainer.LearningRate);
        Assert.Equal(0.5, o.Trainer.StopAtValidationLoss);
        Assert.Equal(7, o.Trainer.Seed);
        Assert.True(o.ReferenceFromModel);
        Assert.False(o.WithinExperiments);
        Assert.Equal(OverlapOptions.Default with { EssFloor = 0.4, InitialAnchorWeight = 2 }, o.Overlap);
        Assert.Equal(new ObjectiveOptions(), o.Objective); // the adaptive anchor sets λ; the objective's own is 0
        // an older config (no new keys) serializes as before, so its stage fingerprints do not change
        Assert.DoesNotContain("ess_floor", PipelineConfig.Parse("""{ "data": { "source": "world" } }""", ".").ToJson());
    }

    [Fact]
    public void PaperExactFixesTheAnchorInTheObjective()
    {
        var o = new CausalTrainingOptions { PaperExact = true, AnchorWeight = 0.5 }.Validated();
        Assert.Equal(0.5, o.Objective.AnchorWeight);
        Assert.False(o.Overlap.Enabled);
    }

    [Theory]
    // from scratch: batch 32, lr 3e-3, about 800 steps and at least 3 epochs; 1,200 rows = 38 steps per epoch -> 22 epochs
    [InlineData("tiny", null, 1200, 22, 32, 3e-3)]
    // a step budget is rounded up to whole epochs, at least 1: 500 steps of 38 -> 14 epochs; 100,000 rows -> 1 epoch
    [InlineData("tiny", 500, 1200, 14, 32, 3e-3)]
    [InlineData("micro", 500, 100_000, 1, 32, 3e-3)]
    // a pretrained base: the paper's 3 epochs, batch 4, lr 5e-5
    [InlineData("some/hf-folder", null, 1200, 3, 4, 5e-5)]
    public void FtDefaultsAreChosenByTheBase(string baseModel, int? steps, int rows, int epochs, int batch, double lr)
    {
        var t = new SftOptions { Steps = steps }.Resolve(baseModel, rows);
        Assert.Equal((epochs, batch, lr), (t.Epochs, t.BatchSize, t.LearningRate));
    }

    [Fact]
    public void LoraOnAModelTrainedFromScratchIsRefusedByName()
    {
        var e = Assert.Throws<InputException>(() => new SftOptions { Lora = new CausalPreference.Models.LoraOptions() }.Validated("tiny"));
        Assert.Contains("lora", e.Parameters);
    }
}
