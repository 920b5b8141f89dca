using CausalPreference.Data;
using CausalPreference.Models;
using CausalPreference.Pipeline;
using CausalPreference.Text;
using TorchSharp;

namespace CausalPreference.Training;

/// <summary>Everything one FT run needs.</summary>
/// <param name="Data">The rows whose texts FT learns (outcomes are not used).</param>
/// <param name="Base">"tiny" or "micro" (built in, trained from scratch), a causalpo checkpoint or a Hugging Face folder.</param>
/// <param name="Options">The FT settings (unset ones chosen by the base).</param>
/// <param name="OutDir">The output folder: the best checkpoint, training.json and train_log.jsonl.</param>
public sealed record SftRequest(DirectOutcomeDataset Data, string Base, SftOptions Options, string OutDir)
{
    /// <summary>Where the model runs (null: the CPU, or the device the caller already chose).</summary>
    public torch.Device? Device { get; init; }
    /// <summary>Receives training progress (steps, loss, rate) for a progress bar; null: none.</summary>
    public IProgress<TrainingProgress>? Progress { get; init; }
    /// <summary>Start over (instead of refusing) when the folder holds a run with other settings (the demo, the pipeline).</summary>
    public bool RestartOnSettingsChange { get; init; }
}

/// <summary>What an FT run reports.</summary>
/// <param name="Base">The base model FT started from ('tiny', a folder).</param>
/// <param name="Parameters">Trainable parameters.</param>
/// <param name="TrainRows">Rows FT trained on.</param>
/// <param name="ValidationRows">Rows that chose its best epoch.</param>
/// <param name="Trainer">The optimization settings used (the base's defaults resolved).</param>
/// <param name="LossBefore">Validation loss (nats per token) of the base before FT.</param>
/// <param name="Result">The training loop's result (best epoch, losses, steps).</param>
public sealed record SftRunSummary(string Base, long Parameters, int TrainRows, int ValidationRows, TrainerOptions Trainer, double LossBefore, TrainResult Result);

/// <summary>
/// One FT run, from a dataset to a fine-tuned model: split (<see cref="DirectOutcomeDataset.ValidationSplitSeed"/>, the
/// split every later stage uses), a learned tokenizer for a base trained from scratch, the base (created or loaded),
/// LoRA, the context warning, then <see cref="SftTrainer"/>. The CLI's <c>sft</c>, the demo and the pipeline all run this.
/// </summary>
public static class SftRun
{
    /// <summary>Fine-tunes the base on the request's texts (FT), keeping the checkpoint with the best validation loss, and
    /// writes it with training.json and a model card into the output folder; resumes an interrupted run.</summary>
    /// <param name="r">What to fine-tune, on which rows, and where.</param>
    /// <param name="log">Receives the run's lines (tokenizer, sizes, validation loss before and after).</param>
    /// <exception cref="IO.InputException">Bad data, base or settings; the message names the file and what to do.</exception>
    public static SftRunSummary Execute(SftRequest r, TextWriter log)
    {
        var o = r.Options.Validated(r.Base);
        bool scratch = SftOptions.IsScratch(r.Base);
        var (tr, va) = r.Data.Split(o.ValidationFraction, DirectOutcomeDataset.ValidationSplitSeed);
        var trainTexts = tr.Rows.Select(x => x.Text).ToArray();
        var valTexts = va.Rows.Select(x => x.Text).ToArray();
        var opts = o.Resolve(r.Base, trainTexts.Length);
        // a learned tokenizer sees FT's training and validation texts (see ScratchTokenizer.Create); bytes is the built-in default
        var scratchTok = scratch && o.Tokenizer.Kind == ScratchTokenizer.Learned ? o.Tokenizer.Create([.. trainTexts, .. valTexts]) : null;
        using var loaded = LoadedModel.OpenOrCreate(r.Base, r.Device, opts.Seed, scratchTok);
        var (model, tok) = loaded;
        if (scratch) log.WriteLine($"tokenizer: {ScratchTokenizer.Describe(tok, trainTexts.Length + valTexts.Length)}");
        if (o.Lora is { } lora)
        {
            int layers = LoraAdapters.Attach(model, lora);
            log.WriteLine($"LoRA: r {lora.Rank}, alpha {lora.Alpha}, dropout {lora.Dropout} on {layers} layers; {LoraAdapters.TrainableParameters(model).Sum(p => p.numel()):N0} trainable parameters");
        }
        if (ContextFit.Warning(tok, r.Data.Rows, model.Config.ContextLength, r.Data.Spec.Path, "FT learns only their first tokens and never their end") is { } overlong)
            log.WriteLine(overlong);
        var before = SftTrainer.MeanNll(model, tok, valTexts);
        log.WriteLine($"FT of {r.Base} ({model.ParameterCount():N0} parameters{(scratch ? ", from scratch" : "")}) on {trainTexts.Length} texts, {valTexts.Length} held out; " +
                      $"{(opts.StopAtValidationLoss is null ? "" : "at most ")}{opts.Epochs} epochs of batch {opts.BatchSize}, lr {opts.LearningRate:G3}" +
                      (opts.StopAtValidationLoss is double t ? $", until validation loss <= {t} nats/token" : "") + $". Validation loss before: {before:F4} nats/token");
        // everything that changes the result belongs in the resume fingerprint: the base (its weights' identity, or the
        // built-in name and tokenizer), the rows on each side of the split, LoRA, and (in SftTrainer) every optimization setting
        var baseId = !scratch ? Fingerprint.OfModel(r.Base) : scratchTok is null ? r.Base : $"{r.Base}, tokenizer {o.Tokenizer}";
        var result = SftTrainer.Train(model, tok, trainTexts, valTexts, opts, r.OutDir,
            $"{r.Data.Fingerprint()}|base {baseId}|train {Fingerprint.OfTexts(trainTexts)}|validation {Fingerprint.OfTexts(valTexts)}|{o.Lora}",
            r.Progress, restartOnSettingsChange: r.RestartOnSettingsChange);
        log.WriteLine($"FT: validation loss {before:F4} -> {result.BestValidationLoss:F4} nats/token (best epoch {result.BestEpoch}, {result.Steps} steps{(result.StoppedEarly ? ", target reached" : "")})");
        if (o.StopAtLoss is double target && result.BestValidationLoss > target)
            log.WriteLine($"FT: warning: the target validation loss {target} was not reached in {result.Steps} steps; the causal objectives start from a model that has not learned the texts well, so expect little gain (raise the FT budget)");
        ModelCard.WriteInto(r.OutDir, model.Config, tok, scratch ? null : ModelSource.NameOf(r.Base), $"{r.Data.Spec.Describe()}, {r.Data.Rows.Count} rows");
        return new SftRunSummary(r.Base, model.ParameterCount(), trainTexts.Length, valTexts.Length, opts, before, result);
    }
}
