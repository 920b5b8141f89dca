using System.CommandLine;
using CausalPreference.IO;
using CausalPreference.Text;
using CausalPreference.Training;

namespace CausalPreference.Cli.Commands;

/// <summary><c>causalpo sft</c>: FT, causal-LM fine-tuning on the dataset's texts (from scratch for <c>tiny</c>).</summary>
public static class SftCommand
{
    public static Command Build()
    {
        var cmd = new Command("sft", "FT: fine-tune a causal LM on the dataset's texts (the FT baseline, the start of every causal objective, and P̂^R). " +
                                     "Paper defaults (3 epochs, batch 4, lr 5e-5); the built-in 'tiny' model trains from scratch and defaults to batch 32, lr 3e-3 and as many epochs as make about 800 steps (it needs 300–600 to learn a small grammar).");
        var data = new DataOptions(cmd, outcome: false);
        var baseModel = Cli.Opt("--base", "Starting model: 'tiny' (built in, trained from scratch), a causalpo checkpoint folder, a Hugging Face folder, or a llama2.c .bin checkpoint with its tokenizer.bin (or tok<N>.bin) beside it", "tiny");
        var outDir = Cli.Opt<string>("--out", "Output folder: the best checkpoint, training.json and train_log.jsonl", required: true);
        var tokenizer = Cli.Opt("--tokenizer", "Tokenizer of a model trained from scratch (tiny, micro): 'learned' (byte-level BPE learned from the training texts, saved with the model) or 'bytes' (one token per byte)", ScratchTokenizer.Learned);
        var vocabSize = Cli.Opt("--vocab-size", "Most tokens of a learned tokenizer (256 bytes + merges + the end token)", BpeLearner.DefaultVocabSize);
        cmd.Options.Add(baseModel); cmd.Options.Add(outDir); cmd.Options.Add(tokenizer); cmd.Options.Add(vocabSize);
        var train = new TrainOptions(cmd, epochs: -1, batch: -1, lr: -1); // -1: chosen by the base (SftOptions)
        Cli.SetAction(cmd, pr =>
        {
            var dir = pr.GetValue(outDir)!;
            OutputPath.RequireWritableFolder(dir);
            var spec = pr.GetValue(baseModel)!;
            if (!SftOptions.IsScratch(spec) && (pr.GetResult(tokenizer) is { Implicit: false } || pr.GetResult(vocabSize) is { Implicit: false }))
                throw new InputException("--tokenizer and --vocab-size apply to a model trained from scratch (--base tiny or micro); a pretrained base keeps its own tokenizer");
            T? Given<T>(Option<T> o) where T : struct => pr.GetResult(o) is { Implicit: false } ? pr.GetValue(o) : null;
            var opts = new SftOptions
            {
                Epochs = Given(train.Epochs), BatchSize = Given(train.BatchSize), LearningRate = Given(train.Lr),
                MaxGradNorm = pr.GetValue(train.MaxGradNorm), Seed = pr.GetValue(train.Seed), StopAtLoss = pr.GetValue(train.StopAtLoss),
                ValidationFraction = pr.GetValue(train.ValFraction), Tokenizer = new ScratchTokenizer(pr.GetValue(tokenizer)!, pr.GetValue(vocabSize)),
                Lora = train.GetLora(pr),
            }.Validated(spec);
            var ds = data.Load(pr);
            if (pr.GetValue(train.Force)) TrainLoop.Reset(dir);
            ProgressLine? bar = null;
            var summary = SftRun.Execute(new SftRequest(ds, spec, opts, dir)
            {
                Device = train.GetDevice(pr), Progress = ProgressLine.ForTraining("sft", () => bar, b => bar = b),
            }, Console.Error);
            bar?.Dispose();
            Console.WriteLine($"validation loss {summary.LossBefore:F4} -> {summary.Result.BestValidationLoss:F4} nats/token (best epoch {summary.Result.BestEpoch}); model saved to {dir}");
            return Cli.Ok;
        });
        return cmd;
    }

    /// <summary>Epochs that make about <see cref="SftOptions.ScratchSteps"/> optimizer steps (at least 3).</summary>
    public static int ScratchEpochs(int trainRows, int batch) => SftOptions.ScratchEpochs(trainRows, batch);
}
