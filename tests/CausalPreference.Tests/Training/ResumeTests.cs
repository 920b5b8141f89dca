using CausalPreference.Causal;
using CausalPreference.Models;
using CausalPreference.Text;
using CausalPreference.Training;
using static TorchSharp.torch;

namespace CausalPreference.Tests.Training;

/// <summary>
/// Crash safety of training, in-process (bench/kill-resume.sh does the same with kill -9 on the real CLI).
/// FT resume is covered by Models/CheckpointAndSftTests; here: a causal objective (CPO) interrupted mid-epoch resumes
/// to exactly the weights of an uninterrupted run, and a damaged or foreign run state in --out is refused with exit 2.
/// </summary>
public sealed class ResumeTests : IDisposable
{
    readonly Workspace _ws = new();

    public void Dispose() => _ws.Dispose();

    static readonly string[] Texts = ["the cat sat", "a dog ran", "a bird flew", "the fish swam", "the cat ran", "a dog sat", "a fish flew", "the bird sat"];

    static (CausalLM, ByteTokenizer, CausalData) Setup(long initSeed)
    {
        manual_seed(initSeed);
        var m = ModelFactory.Create(ModelConfig.Micro with { Dropout = 0.1 });
        var tok = new ByteTokenizer();
        var y = Enumerable.Range(0, Texts.Length).Select(i => (double)(i % 3)).ToArray();
        var reference = Enumerable.Range(0, Texts.Length).Select(i => -20.0 - i).ToArray();
        return (m, tok, new CausalData(Texts, null, y, reference, null));
    }

    [Fact]
    public void InterruptedCpoRunResumesToTheSameWeights()
    {
        var opts = new TrainerOptions { Epochs = 2, BatchSize = 2, LearningRate = 5e-3, CheckpointEvery = 3 };
        var obj = new ObjectiveOptions();

        var (a, tok, data) = Setup(4);
        var dirA = _ws.Path("a");
        var ra = CausalTrainer.Train(a, tok, ObjectiveKind.Cpo, data, data, obj, opts, dirA, "fp");
        Assert.False(ra.Resumed);

        var (b, _, _) = Setup(4);
        var dirB = _ws.Path("b");
        Assert.Throws<OperationCanceledException>(() => CausalTrainer.Train(b, tok, ObjectiveKind.Cpo, data, data, obj, opts, dirB, "fp", stopAfterSteps: 5));
        Assert.True(File.Exists(Path.Combine(dirB, ".state", "state.json")));
        Assert.False(Checkpoint.IsCheckpoint(dirB)); // no final model before the run finishes
        var (c, _, _) = Setup(99); // a "new process": other initial weights, which the resume must replace
        var rc = CausalTrainer.Train(c, tok, ObjectiveKind.Cpo, data, data, obj, opts, dirB, "fp");
        Assert.True(rc.Resumed);
        Assert.Equal(ra.Steps, rc.Steps);
        Assert.Equal(File.ReadAllLines(Path.Combine(dirA, "train_log.jsonl")).Length, File.ReadAllLines(Path.Combine(dirB, "train_log.jsonl")).Length);

        var la = SequenceScorer.Score(Checkpoint.Load(dirA).model, tok, Texts);
        var lb = SequenceScorer.Score(Checkpoint.Load(dirB).model, tok, Texts);
        for (int i = 0; i < Texts.Length; i++) Assert.Equal(la[i], lb[i], 6);
    }

    [Fact]
    public void InterruptedOverlapAwareRunResumesToTheSameWeightsAndLambda()
    {
        // adaptive λ (window of 2 steps: the kill at step 5 falls mid-window) and checkpoint selection every 3 steps by a certificate
        var opts = new TrainerOptions { Epochs = 2, BatchSize = 2, LearningRate = 5e-3, CheckpointEvery = 3, EvaluateEvery = 3 };
        var overlap = OverlapOptions.Default with { AdaptEvery = 2, EssFloor = 0.9, AdaptFactor = 2 };
        var obj = new ObjectiveOptions();
        ImprovementCertificate Certify(CausalLM m, CausalData d, double[] ft) =>
            ImprovementCertificate.Compute(SequenceScorer.Score(m, new ByteTokenizer(), Texts), ft, d.ReferenceLogp, d.Outcome, -1);

        var (a, tok, data) = Setup(4);
        var ftLogp = SequenceScorer.Score(a, tok, Texts);
        var dirA = _ws.Path("oa");
        var ra = CausalTrainer.Train(a, tok, ObjectiveKind.Cpo, data, data, obj, opts, dirA, "fp", overlap: overlap, certify: () => Certify(a, data, ftLogp));

        var (b, _, _) = Setup(4);
        var dirB = _ws.Path("ob");
        Assert.Throws<OperationCanceledException>(() => CausalTrainer.Train(b, tok, ObjectiveKind.Cpo, data, data, obj, opts, dirB, "fp",
            stopAfterSteps: 5, overlap: overlap, certify: () => Certify(b, data, ftLogp)));
        var (c, _, _) = Setup(99);
        var rc = CausalTrainer.Train(c, tok, ObjectiveKind.Cpo, data, data, obj, opts, dirB, "fp", overlap: overlap, certify: () => Certify(c, data, ftLogp));
        Assert.True(rc.Resumed);
        Assert.Equal(ra.BestStep, rc.BestStep);
        Assert.Equal(ra.Epochs.Count, rc.Epochs.Count);
        Assert.True(ra.Epochs.Count > 2, "validation passes every 3 steps, not only at epoch ends");
        string Lambdas(string dir) => string.Join(",", File.ReadLines(Path.Combine(dir, "train_log.jsonl"))
            .Select(l => System.Text.Json.JsonDocument.Parse(l).RootElement.GetProperty("anchor_weight").GetDouble()));
        Assert.Equal(Lambdas(dirA), Lambdas(dirB));
        Assert.NotEqual(1.0, ra.Epochs.Count > 0 ? double.Parse(Lambdas(dirA).Split(',')[^1]) : 1.0); // λ moved
        var la = SequenceScorer.Score(Checkpoint.Load(dirA).model, tok, Texts);
        var lb = SequenceScorer.Score(Checkpoint.Load(dirB).model, tok, Texts);
        for (int i = 0; i < Texts.Length; i++) Assert.Equal(la[i], lb[i], 6);
    }

    [Fact]
    public void AHalfWrittenNextSnapshotIsIgnoredOnResume()
    {
        // A crash while the next state was being saved leaves an uncommitted snapshot folder (state.json still names
        // the previous step). The resume must use the committed one and still reach the uninterrupted run's weights.
        var opts = new TrainerOptions { Epochs = 2, BatchSize = 2, LearningRate = 5e-3, CheckpointEvery = 2 };
        var obj = new ObjectiveOptions();
        var (a, tok, data) = Setup(4);
        var dirA = _ws.Path("a");
        CausalTrainer.Train(a, tok, ObjectiveKind.Cpo, data, null, obj, opts, dirA, "fp");

        var (b, _, _) = Setup(4);
        var dirB = _ws.Path("b");
        Assert.Throws<OperationCanceledException>(() => CausalTrainer.Train(b, tok, ObjectiveKind.Cpo, data, null, obj, opts, dirB, "fp", stopAfterSteps: 3));
        var state = Path.Combine(dirB, ".state");
        Assert.Contains("\"Step\":3", File.ReadAllText(Path.Combine(state, "state.json")));
        var torn = Path.Combine(state, "step-4");
        Directory.CreateDirectory(torn);
        File.WriteAllBytes(Path.Combine(torn, "model.safetensors"), new byte[] { 1, 2, 3 });
        File.WriteAllBytes(Path.Combine(torn, "optimizer.bin.tmp"), new byte[] { 4, 5 });

        var (c, _, _) = Setup(99);
        Assert.True(CausalTrainer.Train(c, tok, ObjectiveKind.Cpo, data, null, obj, opts, dirB, "fp").Resumed);
        Assert.False(Directory.Exists(torn));
        var la = SequenceScorer.Score(Checkpoint.Load(dirA).model, tok, Texts);
        var lb = SequenceScorer.Score(Checkpoint.Load(dirB).model, tok, Texts);
        for (int i = 0; i < Texts.Length; i++) Assert.Equal(la[i], lb[i], 6);
    }

    [Fact]
    public void AFailedAtomicWriteLeavesThePreviousFileAndNoTemporary()
    {
        var f = _ws.Text("out.csv", "old,complete\n");
        Assert.Throws<IOException>(() => CausalPreference.IO.AtomicFile.Write(f, s =>
        {
            s.Write(new byte[4096]);
            throw new IOException("disk full (simulated)");
        }));
        Assert.Equal("old,complete\n", File.ReadAllText(f));
        Assert.Empty(_ws.LeftoverTemporaries());
    }

    [Fact]
    public void RerunningAFinishedSftResumesWithoutRetraining()
    {
        var data = _ws.Text("d.csv", "text\nthe cat sat\na dog ran\na bird flew\nthe fish swam\n");
        var o = _ws.Path("run");
        string[] args = ["sft", "--data", data, "--base", "micro", "--out", o, "--epochs", "1", "--batch-size", "2"];
        Assert.Equal(0, CliRunner.Run(args).Exit);
        var weights = File.ReadAllBytes(Path.Combine(o, Checkpoint.WeightsFile));
        var log = File.ReadAllText(Path.Combine(o, "train_log.jsonl"));
        var r = CliRunner.Run(args);
        Assert.True(r.Exit == 0, r.ToString());
        Assert.Equal(weights, File.ReadAllBytes(Path.Combine(o, Checkpoint.WeightsFile)));
        Assert.Equal(log, File.ReadAllText(Path.Combine(o, "train_log.jsonl")));
    }

    [Fact]
    public void CorruptRunStateIsRefusedAndForceStartsOver()
    {
        var data = _ws.Text("d.csv", "text\nthe cat sat\na dog ran\na bird flew\nthe fish swam\n");
        var o = _ws.Path("run");
        string[] args = ["sft", "--data", data, "--base", "micro", "--out", o, "--epochs", "1", "--batch-size", "2"];
        Assert.Equal(0, CliRunner.Run(args).Exit);
        var state = Path.Combine(o, ".state", "state.json");
        File.WriteAllText(state, "{\"Step\": 3, \"Epo");
        Refusal.Assert(CliRunner.Run(args), _ws, state, null, null, "to start over");
        var r = CliRunner.Run([.. args, "--force"]);
        Assert.True(r.Exit == 0, r.ToString());
        Assert.True(Checkpoint.IsCheckpoint(o));
    }

    [Fact]
    public void OutFolderOfAnotherRunIsRefused()
    {
        var data = _ws.Text("d.csv", "text\nthe cat sat\na dog ran\na bird flew\nthe fish swam\n");
        var other = _ws.Text("e.csv", "text\nsomething else\nentirely\nnew here\nand more\n");
        var o = _ws.Path("run");
        Assert.Equal(0, CliRunner.Run("sft", "--data", data, "--base", "micro", "--out", o, "--epochs", "1", "--batch-size", "2").Exit);
        var before = File.ReadAllBytes(Path.Combine(o, Checkpoint.WeightsFile));
        var r = CliRunner.Run("sft", "--data", other, "--base", "micro", "--out", o, "--epochs", "1", "--batch-size", "2");
        Refusal.Assert(r, _ws, o, null, null, "use another --out, or --force");
        Assert.Equal(before, File.ReadAllBytes(Path.Combine(o, Checkpoint.WeightsFile)));
    }
}

/// <summary>`sft` into a folder that holds a run with other settings is refused, never silently mixed (resume fingerprint).</summary>
public sealed class SftResumeFingerprintTests : IDisposable
{
    readonly Workspace _ws = new();
    readonly string _data;

    public SftResumeFingerprintTests() => _data = _ws.Text("d.csv", "text\n" + string.Join("\n", Enumerable.Range(0, 20).Select(i => $"text number {i}")) + "\n");

    public void Dispose() => _ws.Dispose();

    CliResult Sft(string outDir, params string[] extra) =>
        CliRunner.Run(["sft", "--data", _data, "--text-column", "text", "--out", outDir, "--epochs", "1", "--batch-size", "4", .. extra]);

    [Fact]
    public void ASecondWriterIsRefusedNamingTheHolder()
    {
        var o = _ws.Path("locked");
        Directory.CreateDirectory(o);
        using (CausalPreference.IO.RunLock.Acquire(o))
        {
            var r = Sft(o, "--base", "micro");
            Assert.True(r.Exit == 2, r.ToString());
            Assert.Contains($"another run (process {Environment.ProcessId}) is writing to this output folder", r.Err);
            Assert.False(File.Exists(Path.Combine(o, "train_log.jsonl")));
        }
        Assert.Equal(0, Sft(o, "--base", "micro").Exit); // released with its holder
    }

    [Fact]
    public void ForceRemovesTheOldModelBeforeAnythingElse()
    {
        var o = _ws.Path("forced");
        Assert.Equal(0, Sft(o, "--base", "micro").Exit);
        Assert.True(Checkpoint.IsCheckpoint(o));
        TrainLoop.Reset(o); // what --force does first; a kill after it must not leave the old model loadable
        Assert.False(Checkpoint.IsCheckpoint(o));
        Assert.False(File.Exists(Path.Combine(o, Checkpoint.WeightsFile)));
        var r = CliRunner.Run("score", "--data", _data, "--model", o, "--out", _ws.Path("s.csv"));
        Assert.Equal(2, r.Exit);
    }

    [Fact]
    public void AFreshStartStartsAFreshLog()
    {
        // what a kill before the first saved state leaves: log lines and no state
        var o = _ws.Path("fresh");
        Directory.CreateDirectory(o);
        File.WriteAllText(Path.Combine(o, "train_log.jsonl"), "{\"step\":1,\"loss\":9}\n{\"step\":2,\"loss\":9}\n");
        Assert.Equal(0, Sft(o, "--base", "micro").Exit);
        var steps = File.ReadLines(Path.Combine(o, "train_log.jsonl")).Select(l => System.Text.Json.JsonDocument.Parse(l).RootElement.GetProperty("step").GetDouble()).ToList();
        Assert.Equal(Enumerable.Range(1, steps.Count).Select(i => (double)i), steps); // 1, 2, … once each
        Assert.DoesNotContain(File.ReadLines(Path.Combine(o, "train_log.jsonl")), l => l.Contains("\"loss\":9}"));
    }

    [Fact]
    public void AnotherValidationSplitOrAnotherBaseIsRefused()
    {
        var o = _ws.Path("ft");
        var first = Sft(o, "--base", "micro", "--validation-fraction", "0.2");
        Assert.True(first.Exit == 0, first.ToString());
        Assert.Equal(0, Sft(o, "--base", "micro", "--validation-fraction", "0.2").Exit); // the same run: reused

        var split = Sft(o, "--base", "micro", "--validation-fraction", "0.5");
        Assert.True(split.Exit == 2, split.ToString());
        Assert.Contains("other data or settings", split.Err);

        // two checkpoints with the same configuration but other weights: the base's identity is in the fingerprint
        var a = _ws.MicroCheckpoint("base-a", seed: 1);
        var b = _ws.MicroCheckpoint("base-b", seed: 2);
        var o2 = _ws.Path("ft2");
        Assert.Equal(0, Sft(o2, "--base", a).Exit);
        var other = Sft(o2, "--base", b);
        Assert.True(other.Exit == 2, other.ToString());
        Assert.Contains("other data or settings", other.Err);
    }
}
