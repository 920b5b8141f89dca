using CausalPreference.IO;
using CausalPreference.Models;
using CausalPreference.Text;

namespace CausalPreference.Training;

/// <summary>
/// Every setting of an FT run and its default, in one place (the CLI's <c>sft</c>, the pipeline's <c>ft</c> section and
/// the demo take theirs from here). Unset optimization settings are chosen by the base: a built-in model trained from
/// scratch gets batch <see cref="ScratchBatchSize"/>, lr <see cref="ScratchLearningRate"/> and about
/// <see cref="ScratchSteps"/> steps (at least 3 epochs); a pretrained model the paper's 3 epochs, batch 4, lr 5e-5.
/// A step budget (<see cref="Steps"/>) is rounded up to whole epochs (at least 1).
/// </summary>
public sealed record SftOptions
{
    /// <summary>Steps a model trained from scratch gets by default: the tiny model needs 300–600 at batch 32 to learn the
    /// built-in world's grammar, and the best epoch on validation is kept, so a generous budget costs only time.</summary>
    public const int ScratchSteps = 800;
    /// <summary>Batch size of a model trained from scratch.</summary>
    public const int ScratchBatchSize = 32;
    /// <summary>Peak learning rate of a model trained from scratch.</summary>
    public const double ScratchLearningRate = 3e-3;

    /// <summary>Epochs (null: from <see cref="Steps"/>, else by the base).</summary>
    public int? Epochs { get; init; }
    /// <summary>A budget of optimizer steps, rounded up to whole epochs (null: <see cref="Epochs"/>, else by the base).</summary>
    public int? Steps { get; init; }
    /// <summary>Batch size (null: by the base).</summary>
    public int? BatchSize { get; init; }
    /// <summary>Peak learning rate (null: by the base).</summary>
    public double? LearningRate { get; init; }
    /// <summary>Global gradient-norm clip (0: off).</summary>
    public double MaxGradNorm { get; init; } = new TrainerOptions().MaxGradNorm;
    /// <summary>Seed of the initialization (from scratch), the data order and dropout.</summary>
    public long Seed { get; init; } = new TrainerOptions().Seed;
    /// <summary>Stop after the first epoch whose validation loss (nats per token) is at or below this (null: every epoch).</summary>
    public double? StopAtLoss { get; init; }
    /// <summary>Share of the rows (whole groups) held out for validation; the split is the one every later stage uses.</summary>
    public double ValidationFraction { get; init; } = 0.2;
    /// <summary>The tokenizer of a built-in model trained from scratch (a pretrained base keeps its own).</summary>
    public ScratchTokenizer Tokenizer { get; init; } = new();
    /// <summary>LoRA adapters of a pretrained base (null: all weights).</summary>
    public LoraOptions? Lora { get; init; }

    /// <summary>True for the built-in bases trained from scratch.</summary>
    public static bool IsScratch(string baseModel) => baseModel is "tiny" or "micro";

    /// <summary>Epochs that make about <paramref name="steps"/> optimizer steps, at least <paramref name="minEpochs"/>.</summary>
    public static int EpochsFor(int steps, int trainRows, int batch, int minEpochs = 1) =>
        Math.Max(minEpochs, (int)Math.Ceiling(steps / Math.Ceiling(Math.Max(1, trainRows) / (double)batch)));

    /// <summary>Epochs that make about <see cref="ScratchSteps"/> optimizer steps (at least 3).</summary>
    public static int ScratchEpochs(int trainRows, int batch) => EpochsFor(ScratchSteps, trainRows, batch, 3);

    /// <summary>Checks the explicit settings; each message names its parameter.</summary>
    public SftOptions Validated(string baseModel)
    {
        if (Epochs is < 1) throw new InputException($"`epochs` must be at least 1 (got {Epochs}); leave it out for the default");
        if (Steps is < 1) throw new InputException($"`steps` must be at least 1 (got {Steps}); leave it out for the default");
        if (BatchSize is < 1) throw new InputException($"`batch_size` must be at least 1 (got {BatchSize}); leave it out for the default");
        if (LearningRate is double lr && !(lr > 0 && double.IsFinite(lr))) throw new InputException($"`lr` must be a positive number (got {lr}); leave it out for the default");
        if (!(ValidationFraction > 0 && ValidationFraction < 1)) throw new InputException($"`validation_fraction` must be strictly between 0 and 1 (got {ValidationFraction})");
        if (StopAtLoss is double t && !(t > 0 && double.IsFinite(t))) throw new InputException($"`stop_at_loss` must be a positive number of nats per token (got {t})");
        if (IsScratch(baseModel)) Tokenizer.Validated();
        if (Lora != null && IsScratch(baseModel))
            throw new InputException("`lora` adapts a pretrained model; the built-in tiny model starts from random weights, so train it fully (drop `lora`)");
        return this;
    }

    /// <summary>The optimization settings for <paramref name="trainRows"/> training rows of this base.</summary>
    public TrainerOptions Resolve(string baseModel, int trainRows)
    {
        bool scratch = IsScratch(baseModel);
        int batch = BatchSize ?? (scratch ? ScratchBatchSize : new TrainerOptions().BatchSize);
        int epochs = Epochs ?? (Steps is int s ? EpochsFor(s, trainRows, batch) : scratch ? ScratchEpochs(trainRows, batch) : new TrainerOptions().Epochs);
        return new TrainerOptions
        {
            Epochs = epochs, BatchSize = batch, LearningRate = LearningRate ?? (scratch ? ScratchLearningRate : new TrainerOptions().LearningRate),
            MaxGradNorm = MaxGradNorm, Seed = Seed, StopAtValidationLoss = StopAtLoss,
        };
    }
}
