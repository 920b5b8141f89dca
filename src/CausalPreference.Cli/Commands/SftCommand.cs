using System.CommandLine;
using CausalPreference.IO;
using CausalPreference.Models;
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
        var train = new TrainOptions(cmd, epochs: -1, batch: -1, lr: -1);
        Cli.SetAction(cmd, pr =>
        {
            OutputPath.RequireWritableFolder(pr.GetValue(outDir));
            var ds = data.Load(pr);
            var (tr, va) = ds.Split(pr.GetValue(train.ValFraction), 240402);
            var spec = pr.GetValue(baseModel)!;
            bool scratch = spec is "tiny" or "micro";
            var opts = train.Build(pr);
            // -1 (the default) means "choose by model"; an explicit value must be usable.
            if (pr.GetResult(train.BatchSize) is { Implicit: false } && opts.BatchSize < 1)
                throw new InputException($"--batch-size must be at least 1 (got {opts.BatchSize}); leave it out for the default");
            if (pr.GetResult(train.Lr) is { Implicit: false } && !(opts.LearningRate > 0))
                throw new InputException($"--lr must be a positive number (got {opts.LearningRate}); leave it out for the default");
            if (pr.GetResult(train.Epochs) is { Implicit: false } && opts.Epochs < 1)
                throw new InputException($"--epochs must be at least 1 (got {opts.Epochs}); leave it out for the default");
            int batch = opts.BatchSize > 0 ? opts.BatchSize : scratch ? 32 : 4;
            opts = opts with
            {
                BatchSize = batch,
                LearningRate = opts.LearningRate > 0 ? opts.LearningRate : scratch ? 3e-3 : 5e-5,
                Epochs = opts.Epochs > 0 ? opts.Epochs : scratch ? ScratchEpochs(tr.Rows.Count, batch) : 3,
            };
            var dir = pr.GetValue(outDir)!;
            if (pr.GetValue(train.Force)) TrainLoop.Reset(dir);
            var trainTexts = tr.Rows.Select(r => r.Text).ToArray();
            var valTexts = va.Rows.Select(r => r.Text).ToArray();
            var scratchTok = new ScratchTokenizer(pr.GetValue(tokenizer)!, pr.GetValue(vocabSize)).Validated();
            if (!scratch && (pr.GetResult(tokenizer) is { Implicit: false } || pr.GetResult(vocabSize) is { Implicit: false }))
                throw new InputException("--tokenizer and --vocab-size apply to a model trained from scratch (--base tiny or micro); a pretrained base keeps its own tokenizer");
            var (model, tok) = Checkpoint.LoadOrCreate(spec, train.GetDevice(pr), opts.Seed, scratch ? scratchTok.Create([.. trainTexts, .. valTexts]) : null);
            if (scratch) Console.Error.WriteLine($"tokenizer: {ScratchTokenizer.Describe(tok, trainTexts.Length + valTexts.Length)}");
            var lora = train.GetLora(pr);
            if (lora != null)
            {
                if (scratch) throw new InputException("--lora adapts a pretrained model; the built-in tiny model starts from random weights, so train it fully (drop --lora)");
                int layers = LoraAdapters.Attach(model, lora);
                Console.Error.WriteLine($"LoRA: r {lora.Rank}, alpha {lora.Alpha}, dropout {lora.Dropout} on {layers} layers; {LoraAdapters.TrainableParameters(model).Sum(p => p.numel()):N0} trainable parameters");
            }
            if (ContextFit.Warning(tok, ds.Rows, model.Config.ContextLength, ds.Spec.Path,
                    "FT learns only their first tokens and never their end") is { } overlong)
                Console.Error.WriteLine(overlong);
            var before = SftTrainer.MeanNll(model, tok, valTexts);
            Console.Error.WriteLine($"FT of {spec} ({model.ParameterCount():N0} parameters) on {trainTexts.Length} texts, {valTexts.Length} held out; " +
                                    $"epochs {opts.Epochs}, batch {opts.BatchSize}, lr {opts.LearningRate:G3}. Validation loss before: {before:F4} nats/token");
            ProgressLine? bar = null;
            // everything that changes the result belongs in the resume fingerprint: the base (its weights' identity, or the
            // built-in name), the rows on each side of the split, LoRA, and (in SftTrainer) every optimization setting
            var baseId = !scratch ? Pipeline.Fingerprint.OfModel(spec) : tok is ByteTokenizer ? spec : $"{spec}, tokenizer {scratchTok}";
            var result = SftTrainer.Train(model, tok, trainTexts, valTexts, opts, dir,
                $"{ds.Fingerprint()}|base {baseId}|train {Pipeline.Fingerprint.OfTexts(trainTexts)}|validation {Pipeline.Fingerprint.OfTexts(valTexts)}|{lora}",
                ProgressLine.ForTraining("sft", () => bar, b => bar = b));
            bar?.Dispose();
            Console.WriteLine($"validation loss {before:F4} -> {result.BestValidationLoss:F4} nats/token (best epoch {result.BestEpoch}); model saved to {dir}");
            return Cli.Ok;
        });
        return cmd;
    }

    /// <summary>Steps a model trained from scratch gets by default: the tiny model needs 300–600 at batch 32 to learn the
    /// built-in world's grammar, and the best epoch on validation is kept, so a generous budget costs only time.</summary>
    public const int ScratchSteps = 800;

    /// <summary>Epochs that make about <see cref="ScratchSteps"/> optimizer steps (at least 3).</summary>
    public static int ScratchEpochs(int trainRows, int batch) =>
        Math.Max(3, (int)Math.Ceiling(ScratchSteps / Math.Ceiling(Math.Max(1, trainRows) / (double)batch)));
}
