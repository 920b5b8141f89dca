using CausalPreference.Models;
using CausalPreference.Text;
using CausalPreference.Training;

namespace CausalPreference.Perf;

/// <summary>Memory after StepsA and StepsB steps of the real FT training loop, and how fast that loop ran.</summary>
sealed record LeakCheckResult(int StepsA, int StepsB, double RssAMb, double RssBMb, double GrowthMb,
    double StepsPerSecond, long LiveTensorsA, long LiveTensorsB);

/// <summary>
/// Runs <see cref="SftTrainer.Train"/> (so TrainLoop.Run with its logging and periodic checkpoints) on random byte texts
/// and samples the resident set size when the loop reports steps A and B. A loop that leaks tensors per step grows
/// roughly in proportion to the number of steps.
/// </summary>
static class LeakCheck
{
    sealed class Sampler(int a, int b) : IProgress<TrainingProgress>
    {
        public double RssA = double.NaN, RssB = double.NaN;
        public long LiveA, LiveB;
        public System.Diagnostics.Stopwatch Clock = new();
        public double SecondsAtA, SecondsAtB;
        public void Report(TrainingProgress p)
        {
            if (p.IsValidation) return;
            if (p.Step == 1) Clock.Restart();
            if (p.Step == a) (RssA, LiveA, SecondsAtA) = (ProcessMemory.RssMb(), LiveTensors(), Clock.Elapsed.TotalSeconds);
            if (p.Step == b) (RssB, LiveB, SecondsAtB) = (ProcessMemory.RssMb(), LiveTensors(), Clock.Elapsed.TotalSeconds);
        }
    }

    static long LiveTensors() => TorchSharp.DisposeScopeManager.Statistics.TensorStatistics.ThreadTotalLiveCount;

    public static LeakCheckResult Run(PlanLeak leak, ModelConfig config)
    {
        var rng = new Random(3);
        var tok = new ByteTokenizer();
        var texts = Enumerable.Range(0, leak.StepsB * leak.Batch)
            .Select(_ => new string(Enumerable.Range(0, leak.Seq - 2).Select(_ => (char)rng.Next('a', 'z' + 1)).ToArray()))
            .ToArray();
        var dir = Path.Combine(Path.GetTempPath(), $"causalpo-perf-leak-{Environment.ProcessId}");
        try
        {
            TorchSharp.torch.manual_seed(1);
            var model = new Gpt2Model(config);
            var sampler = new Sampler(leak.StepsA, leak.StepsB);
            var opts = new TrainerOptions { Epochs = 1, BatchSize = leak.Batch, LearningRate = 1e-4 };
            SftTrainer.Train(model, tok, texts, Array.Empty<string>(), opts, dir, "perf-leak", sampler);
            var sps = (leak.StepsB - leak.StepsA) / Math.Max(1e-9, sampler.SecondsAtB - sampler.SecondsAtA);
            return new LeakCheckResult(leak.StepsA, leak.StepsB, sampler.RssA, sampler.RssB, sampler.RssB - sampler.RssA, sps,
                sampler.LiveA, sampler.LiveB);
        }
        finally
        {
            if (Directory.Exists(dir)) Directory.Delete(dir, true);
        }
    }
}
