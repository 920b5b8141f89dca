using CausalPreference.IO;
using CausalPreference.Models;
using CausalPreference.Text;
using CausalPreference.Training;
using static TorchSharp.torch;

namespace CausalPreference.Tests.Models;

public class CheckpointAndSftTests
{
    static string TempDir() { var d = Path.Combine(Path.GetTempPath(), "cpo-test-" + Guid.NewGuid().ToString("N")); Directory.CreateDirectory(d); return d; }

    [Fact]
    public void SaveLoadGivesIdenticalLogits()
    {
        manual_seed(1);
        var model = ModelFactory.Create(ModelConfig.Micro);
        var dir = TempDir();
        Checkpoint.Save(model, new ByteTokenizer(), dir);
        var (loaded, tok) = Checkpoint.Load(dir);
        Assert.Equal("byte", tok.Kind);
        var a = SequenceScorer.Score(model, tok, new[] { "hello world" })[0];
        var b = SequenceScorer.Score(loaded, tok, new[] { "hello world" })[0];
        Assert.Equal(a, b);
    }

    [Fact]
    public void CorruptWeightsAreRefused()
    {
        manual_seed(1);
        var dir = TempDir();
        Checkpoint.Save(ModelFactory.Create(ModelConfig.Micro), new ByteTokenizer(), dir);
        var w = Path.Combine(dir, Checkpoint.WeightsFile);
        var bytes = File.ReadAllBytes(w);
        File.WriteAllBytes(w, bytes.Take(bytes.Length / 2).ToArray());
        var e = Assert.Throws<InputException>(() => Checkpoint.Load(dir));
        Assert.Contains("checksum", e.Message);
    }

    static readonly string[] Texts = Enumerable.Range(0, 40).Select(i => i % 2 == 0 ? "the cat sat" : "a dog ran").ToArray();

    [Fact]
    public void SftLowersValidationLossAndKeepsBest()
    {
        manual_seed(2);
        var model = ModelFactory.Create(ModelConfig.Micro);
        var tok = new ByteTokenizer();
        var before = SftTrainer.MeanNll(model, tok, Texts.Take(6).ToArray());
        var dir = TempDir();
        var r = SftTrainer.Train(model, tok, Texts, Texts.Take(6).ToArray(), new TrainerOptions { Epochs = 3, BatchSize = 8, LearningRate = 3e-3 }, dir, "t");
        var (loaded, _) = Checkpoint.Load(dir);
        var after = SftTrainer.MeanNll(loaded, tok, Texts.Take(6).ToArray());
        Assert.True(after < before - 1.0, $"validation NLL {before} -> {after}");
        Assert.Equal(3, r.Epochs.Count);
        Assert.Equal(r.BestValidationLoss, r.Epochs.Min(e => e["validation_loss"]), 9);
        Assert.True(File.Exists(Path.Combine(dir, "train_log.jsonl")));
    }

    [Fact]
    public void InterruptedRunResumesToTheSameWeights()
    {
        var tok = new ByteTokenizer();
        var opts = new TrainerOptions { Epochs = 2, BatchSize = 4, LearningRate = 1e-3, CheckpointEvery = 3 };
        manual_seed(9);
        var a = ModelFactory.Create(ModelConfig.Micro with { Dropout = 0.1 });
        var dirA = TempDir();
        SftTrainer.Train(a, tok, Texts, Texts.Take(4).ToArray(), opts, dirA, "t");

        manual_seed(9);
        var b = ModelFactory.Create(ModelConfig.Micro with { Dropout = 0.1 });
        var dirB = TempDir();
        Assert.Throws<OperationCanceledException>(() => SftTrainer.Train(b, tok, Texts, Texts.Take(4).ToArray(), opts, dirB, "t", stopAfterSteps: 7));
        manual_seed(123); // a fresh process: different initial weights, which the resume must overwrite
        var c = ModelFactory.Create(ModelConfig.Micro with { Dropout = 0.1 });
        var r = SftTrainer.Train(c, tok, Texts, Texts.Take(4).ToArray(), opts, dirB, "t");
        Assert.True(r.Resumed);
        var la = SequenceScorer.Score(Checkpoint.Load(dirA).model, tok, new[] { "the cat" })[0];
        var lb = SequenceScorer.Score(Checkpoint.Load(dirB).model, tok, new[] { "the cat" })[0];
        Assert.Equal(la, lb, 6);
    }

    [Fact]
    public void StopsAtTheFirstEpochThatReachesTheTargetLoss()
    {
        var tok = new ByteTokenizer();
        manual_seed(2);
        var full = SftTrainer.Train(ModelFactory.Create(ModelConfig.Micro), tok, Texts, Texts.Take(6).ToArray(),
            new TrainerOptions { Epochs = 6, BatchSize = 8, LearningRate = 3e-3 }, TempDir(), "t");
        Assert.False(full.StoppedEarly);
        // a target that the full run's second epoch reaches (its losses fall epoch by epoch)
        var losses = full.Epochs.Select(e => e["validation_loss"]).ToArray();
        int firstBelow = Array.FindIndex(losses, l => l <= losses[1]);
        manual_seed(2);
        var dir = TempDir();
        var r = SftTrainer.Train(ModelFactory.Create(ModelConfig.Micro), tok, Texts, Texts.Take(6).ToArray(),
            new TrainerOptions { Epochs = 6, BatchSize = 8, LearningRate = 3e-3, StopAtValidationLoss = losses[1] }, dir, "t");
        Assert.True(r.StoppedEarly);
        Assert.Equal(firstBelow + 1, r.Epochs.Count);
        Assert.Equal(5L * (firstBelow + 1), r.Steps);
        Assert.Contains("\"stopped_early\": true", File.ReadAllText(Path.Combine(dir, "training.json")));
        // finished: running it again resumes nothing and says the same
        manual_seed(2);
        var again = SftTrainer.Train(ModelFactory.Create(ModelConfig.Micro), tok, Texts, Texts.Take(6).ToArray(),
            new TrainerOptions { Epochs = 6, BatchSize = 8, LearningRate = 3e-3, StopAtValidationLoss = losses[1] }, dir, "t");
        Assert.True(again.StoppedEarly);
        Assert.Equal(r.Steps, again.Steps);
    }
}
