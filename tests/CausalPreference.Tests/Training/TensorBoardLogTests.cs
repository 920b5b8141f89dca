using System.Text;
using System.Text.Json;
using CausalPreference.Causal;
using CausalPreference.Models;
using CausalPreference.Text;
using CausalPreference.Training;
using static TorchSharp.torch;

namespace CausalPreference.Tests.Training;

/// <summary>OUT/tensorboard's event file: TFRecord framing with checked CRCs, the same points as train_log.jsonl, none twice after a resume.</summary>
public sealed class TensorBoardLogTests : IDisposable
{
    readonly Workspace _ws = new();

    public void Dispose() => _ws.Dispose();

    static readonly string[] Texts = ["the cat sat", "a dog ran", "a bird flew", "the fish swam", "the cat ran", "a dog sat", "a fish flew", "the bird sat"];
    static readonly TrainerOptions Opts = new() { Epochs = 2, BatchSize = 2, LearningRate = 5e-3, CheckpointEvery = 3, EvaluateEvery = 3 };

    static (CausalLM, ByteTokenizer, CausalData) Setup(long initSeed)
    {
        manual_seed(initSeed);
        var m = ModelFactory.Create(ModelConfig.Micro with { Dropout = 0.1 });
        var y = Enumerable.Range(0, Texts.Length).Select(i => (double)(i % 3)).ToArray();
        var reference = Enumerable.Range(0, Texts.Length).Select(i => -20.0 - i).ToArray();
        return (m, new ByteTokenizer(), new CausalData(Texts, null, y, reference, null));
    }

    [Fact]
    public void Crc32cMatchesTheKnownVector()
    {
        Assert.Equal(0xE3069283u, TensorBoardLog.Crc32C(Encoding.ASCII.GetBytes("123456789")));
        Assert.Equal(0u, TensorBoardLog.Crc32C([]));
    }

    /// <summary>Every finite value of train_log.jsonl as (tag, step, float value), and each validation summary's validation_* as eval/*.</summary>
    static List<(string Tag, long Step, float Value)> Expected(string outDir, TrainResult r)
    {
        var points = new List<(string, long, float)>();
        foreach (var l in File.ReadAllLines(Path.Combine(outDir, "train_log.jsonl")))
        {
            var line = JsonSerializer.Deserialize<Dictionary<string, double?>>(l)!;
            long step = (long)line["step"]!.Value;
            foreach (var (k, v) in line)
                if (v is double d && TensorBoardLog.TrainTag(k) is string tag) points.Add((tag, step, (float)d));
        }
        foreach (var e in r.Epochs)
            foreach (var (k, v) in e)
                if (TensorBoardLog.EvalTag(k) is string tag && double.IsFinite(v)) points.Add((tag, (long)e["step"], (float)v));
        return points.OrderBy(p => p.Item1, StringComparer.Ordinal).ThenBy(p => p.Item2).ToList();
    }

    static List<(string Tag, long Step, float Value)> Actual(string outDir) =>
        TensorBoardLog.Read(TensorBoardLog.PathIn(outDir)).Select(s => (s.Tag, s.Step, s.Value))
            .OrderBy(p => p.Tag, StringComparer.Ordinal).ThenBy(p => p.Step).ToList();

    [Fact]
    public void EventFileHoldsTheLoggedScalars()
    {
        var (m, tok, data) = Setup(4);
        var dir = _ws.Path("run");
        var r = CausalTrainer.Train(m, tok, ObjectiveKind.Cpo, data, data, new ObjectiveOptions(), Opts, dir, "fp", overlap: OverlapOptions.Default);

        var path = TensorBoardLog.PathIn(dir);
        Assert.Equal(Path.Combine(dir, "tensorboard", "events.out.tfevents.causalpo"), path);
        Assert.Equal("brain.Event:2", TensorBoardLog.FileVersion(path));
        var expected = Expected(dir, r);
        var actual = Actual(dir);
        Assert.Equal(expected, actual); // tags, steps and values (float precision), each point once
        var tags = actual.Select(p => p.Tag).ToHashSet();
        foreach (var t in new[] { "train/loss", "train/learning_rate", "train/grad_norm", "train/epoch", "train/value", "train/ess_fraction",
                     "train/max_weight", "train/anchor_weight", "eval/loss", "eval/value" })
            Assert.Contains(t, tags);
        Assert.Equal(Enumerable.Range(1, (int)r.Steps).Select(i => (long)i), actual.Where(p => p.Tag == "train/loss").Select(p => p.Step));
        Assert.Equal(r.Epochs.Select(e => (long)e["step"]), actual.Where(p => p.Tag == "eval/loss").Select(p => p.Step));
    }

    [Fact]
    public void ResumedRunPlotsEachStepOnce()
    {
        var obj = new ObjectiveOptions();
        var (a, tok, data) = Setup(4);
        var dirA = _ws.Path("a");
        var ra = CausalTrainer.Train(a, tok, ObjectiveKind.Cpo, data, data, obj, Opts, dirA, "fp");

        var (b, _, _) = Setup(4);
        var dirB = _ws.Path("b");
        // cancelled after step 5 is logged, before any state is saved for it (as a kill would stop it): the last saved
        // state is step 4 (the end of the first epoch), so step 5 is redone and must not appear twice
        using var cts = new CancellationTokenSource();
        Assert.ThrowsAny<OperationCanceledException>(() => CausalTrainer.Train(b, tok, ObjectiveKind.Cpo, data, data, obj, Opts, dirB, "fp",
            progress: new CancelAt(5, cts), ct: cts.Token));
        Assert.Equal(5, File.ReadAllLines(Path.Combine(dirB, "train_log.jsonl")).Length);
        Assert.Contains(TensorBoardLog.Read(TensorBoardLog.PathIn(dirB)), s => s.Tag == "train/loss" && s.Step == 5);
        // a kill mid-write leaves a cut record at the end: the resume drops it with the redone steps
        File.AppendAllBytes(TensorBoardLog.PathIn(dirB), [1, 2, 3]);
        var (c, _, _) = Setup(99);
        var rc = CausalTrainer.Train(c, tok, ObjectiveKind.Cpo, data, data, obj, Opts, dirB, "fp");
        Assert.True(rc.Resumed);

        var actual = Actual(dirB);
        Assert.Equal(Expected(dirB, rc), actual);
        Assert.Equal(actual.Count, actual.Select(p => (p.Tag, p.Step)).Distinct().Count());
        var uninterrupted = Actual(dirA);
        Assert.Equal(uninterrupted.Select(p => (p.Tag, p.Step)), actual.Select(p => (p.Tag, p.Step)));
        for (int i = 0; i < actual.Count; i++) Assert.Equal(uninterrupted[i].Value, actual[i].Value, 4);
    }

    sealed class CancelAt(long step, CancellationTokenSource cts) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress p) { if (p.Step >= step) cts.Cancel(); }
    }

    [Fact]
    public void ResumeWithoutAnEventFileRebuildsItFromTheLog()
    {
        var obj = new ObjectiveOptions();
        var (b, tok, data) = Setup(4);
        var dir = _ws.Path("old");
        Assert.Throws<OperationCanceledException>(() => CausalTrainer.Train(b, tok, ObjectiveKind.Cpo, data, data, obj, Opts, dir, "fp", stopAfterSteps: 4));
        File.Delete(TensorBoardLog.PathIn(dir)); // a run begun before the event file existed
        var (c, _, _) = Setup(99);
        var rc = CausalTrainer.Train(c, tok, ObjectiveKind.Cpo, data, data, obj, Opts, dir, "fp");
        Assert.Equal(Expected(dir, rc), Actual(dir));
    }

    [Fact]
    public void ReaderReadsTorchSharpsSummaryWriter()
    {
        // an independent writer of the same format (TorchSharp's, Google.Protobuf underneath): the reader's framing, CRC
        // masking and protobuf decoding agree with it
        var dir = _ws.Path("ts");
        var w = TorchSharp.torch.utils.tensorboard.SummaryWriter(dir);
        w.add_scalar("train/loss", 1.25f, 7);
        w.add_scalar("eval/loss", -0.5f, 9);
        var file = Directory.EnumerateFiles(dir, "*tfevents*", SearchOption.AllDirectories).Single();
        var points = TensorBoardLog.Read(file).Select(s => (s.Tag, s.Step, s.Value)).ToList();
        Assert.Equal([("train/loss", 7L, 1.25f), ("eval/loss", 9L, -0.5f)], points);
    }

    [Fact]
    public void DamagedRecordIsRefused()
    {
        var (m, tok, data) = Setup(4);
        var dir = _ws.Path("d");
        CausalTrainer.Train(m, tok, ObjectiveKind.Cpo, data, null, new ObjectiveOptions(), Opts with { Epochs = 1, EvaluateEvery = 0 }, dir, "fp");
        var path = TensorBoardLog.PathIn(dir);
        Assert.NotEmpty(TensorBoardLog.Read(path));
        var bytes = File.ReadAllBytes(path);
        bytes[^6] ^= 0x40; // inside the last record's data
        File.WriteAllBytes(path, bytes);
        Assert.Throws<InvalidDataException>(() => TensorBoardLog.Read(path));
    }
}
