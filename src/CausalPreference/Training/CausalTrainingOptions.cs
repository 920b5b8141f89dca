using CausalPreference.Causal;
using CausalPreference.IO;
using CausalPreference.Models;

namespace CausalPreference.Training;

/// <summary>
/// Every setting of a causal training run (CPO, DR-CPO, OO-RLHF) and its default, in one place: the CLI's <c>train</c> and
/// <c>refute</c> flags, the pipeline's <c>trainer</c> section and the demo take theirs from here. Parameter names (in
/// messages, <see cref="InputException.Parameters"/>) are the snake_case of the flag and of the pipeline key:
/// <c>epochs</c>, <c>batch_size</c>, <c>lr</c>, <c>max_grad_norm</c>, <c>seed</c>, <c>stop_at_loss</c>,
/// <c>validation_fraction</c>, <c>normalization</c>, <c>max_log_weight</c>, <c>anchor_weight</c>, <c>paper_exact</c>,
/// <c>ess_floor</c>, <c>outcome_floor</c>, <c>reference_from_model</c>, <c>weighting</c>, <c>folds</c>, <c>m</c>.
/// </summary>
public sealed record CausalTrainingOptions
{
    /// <summary>Optimization (the paper's defaults: 3 epochs, batch 4, lr 5e-5, clip 1.0, seed 42).</summary>
    public TrainerOptions Trainer { get; init; } = new();
    /// <summary>Share of the training rows (whole groups) held out for checkpoint selection and the certificate.</summary>
    public double ValidationFraction { get; init; } = 0.2;
    /// <summary>Self-normalized weights per batch (the default) or Horvitz–Thompson.</summary>
    public WeightNormalization Normalization { get; init; } = WeightNormalization.SelfNormalized;
    /// <summary>Clip of log importance ratios (null: off).</summary>
    public double? MaxLogWeight { get; init; }
    /// <summary>λ of the likelihood anchor: the adaptive anchor's starting value (0: <see cref="OverlapOptions.InitialAnchorWeight"/>),
    /// or with <see cref="PaperExact"/> a fixed λ (0: off, the paper's objective).</summary>
    public double AnchorWeight { get; init; }
    /// <summary>The paper's exact objective and per-epoch selection by the validation V̂ (overlap-aware training off).</summary>
    public bool PaperExact { get; init; }
    /// <summary>Overlap-aware training: the ESS fraction below which the anchor's λ grows.</summary>
    public double EssFloor { get; init; } = OverlapOptions.Default.EssFloor;
    /// <summary>The outcome assumed for a text outside the data's support when certifying (null: the worst training outcome).</summary>
    public double? OutcomeFloor { get; init; }
    /// <summary>Use the FT model as P̂^R even when the data has design probabilities (these then serve the certificate only).</summary>
    public bool ReferenceFromModel { get; init; }
    /// <summary>Normalize the weights within experiments (true), pooled per step (false), or within experiments whenever
    /// the data has a group column (null).</summary>
    public bool? WithinExperiments { get; init; }
    /// <summary>Cross-fitting folds of ĝ.</summary>
    public int Folds { get; init; } = 5;
    /// <summary>X̃ samples drawn from f0 (0: twice the training rows).</summary>
    public int M { get; init; }
    /// <summary>LoRA adapters instead of full fine-tuning (null: all weights).</summary>
    public LoraOptions? Lora { get; init; }

    /// <summary>The paper's defaults (the CLI's <c>train</c>).</summary>
    public static CausalTrainingOptions Paper { get; } = new();

    /// <summary>The pipeline's <c>trainer</c> defaults, sized for the built-in tiny model FT trains from scratch: 1 epoch, lr 1e-3.</summary>
    public static CausalTrainingOptions Pipeline { get; } = new() { Trainer = new TrainerOptions { Epochs = 1, LearningRate = 1e-3 } };

    /// <summary>The defaults of <c>refute</c>: 1 epoch per check (each check trains up to twice).</summary>
    public static CausalTrainingOptions Refutation { get; } = new() { Trainer = new TrainerOptions { Epochs = 1 } };

    /// <summary>The objective's options (λ fixed only in the paper-exact objective; the adaptive anchor sets its own).</summary>
    public ObjectiveOptions Objective => new(Normalization, MaxLogWeight, PaperExact ? AnchorWeight : 0);

    /// <summary>The overlap-aware settings: off with <see cref="PaperExact"/>, else the defaults with this ESS floor and starting λ.</summary>
    public OverlapOptions Overlap => PaperExact ? OverlapOptions.PaperExact
        : OverlapOptions.Default with { EssFloor = EssFloor, InitialAnchorWeight = AnchorWeight > 0 ? AnchorWeight : OverlapOptions.Default.InitialAnchorWeight };

    /// <summary>The weighting's name: "within-experiment", "pooled", or null (by the data).</summary>
    public string? Weighting => WithinExperiments switch { true => "within-experiment", false => "pooled", null => null };

    /// <summary>Parses a weighting name ("within-experiment", "pooled", or null for the data's default).</summary>
    public static bool? ParseWeighting(string? s) => s switch
    {
        null => null, "within-experiment" => true, "pooled" => false,
        _ => throw new InputException($"unknown `weighting` '{s}'; use within-experiment or pooled"),
    };

    /// <summary>Parses a normalization name: "self" (self-normalized per batch) or "ht" (Horvitz–Thompson).</summary>
    public static WeightNormalization ParseNormalization(string s) => s switch
    {
        "self" => WeightNormalization.SelfNormalized, "ht" => WeightNormalization.HorvitzThompson,
        _ => throw new InputException($"unknown `normalization` '{s}'; use self or ht"),
    };

    /// <summary>Checks every setting; each message names its parameter (in backticks).</summary>
    public CausalTrainingOptions Validated()
    {
        Trainer.Validate();
        if (!(ValidationFraction > 0 && ValidationFraction < 1)) throw new InputException($"`validation_fraction` must be strictly between 0 and 1 (got {ValidationFraction})");
        if (!(AnchorWeight >= 0 && double.IsFinite(AnchorWeight))) throw new InputException($"`anchor_weight` must be a number ≥ 0 (got {AnchorWeight}); 0 turns the anchor off");
        if (MaxLogWeight is double mw && double.IsNaN(mw)) throw new InputException("`max_log_weight` must be a number");
        if (OutcomeFloor is double of && !double.IsFinite(of)) throw new InputException($"`outcome_floor` must be a finite number (got {of})");
        if (Folds < 2) throw new InputException($"`folds` must be at least 2 for cross-fitting ĝ (got {Folds})");
        if (M < 0) throw new InputException($"`m` must be 0 (twice the training rows) or positive (got {M})");
        if (!PaperExact)
        {
            try { Overlap.Validate(); }
            catch (InputException e) { throw new InputException($"`ess_floor`: {e.Detail}"); }
        }
        return this;
    }
}
