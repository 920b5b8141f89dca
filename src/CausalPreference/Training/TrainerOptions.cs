namespace CausalPreference.Training;

/// <summary>
/// Optimization settings shared by FT and the causal objectives. Defaults are the paper's (docs/math.md#training-defaults): 3 epochs,
/// batch 4, AdamW lr 5e-5 (β 0.9/0.999, ε 1e-8, no weight decay), linear decay to 0 without warmup, grad-norm clip 1.0, seed 42.
/// </summary>
public sealed record TrainerOptions
{
    /// <summary>Passes over the training rows (at least 1); with <see cref="StopAtValidationLoss"/> the run may stop earlier.</summary>
    public int Epochs { get; init; } = 3;
    /// <summary>Rows (or items) per optimizer step (at least 1).</summary>
    public int BatchSize { get; init; } = 4;
    /// <summary>AdamW's peak learning rate (positive, finite), reached after <see cref="WarmupSteps"/> and decayed linearly
    /// to 0 at the last step (see <see cref="TrainLoop.LearningRate"/>).</summary>
    public double LearningRate { get; init; } = 5e-5;
    /// <summary>AdamW's decay rate β₁ of the first-moment (mean gradient) estimate.</summary>
    public double Beta1 { get; init; } = 0.9;
    /// <summary>AdamW's decay rate β₂ of the second-moment (squared gradient) estimate.</summary>
    public double Beta2 { get; init; } = 0.999;
    /// <summary>AdamW's ε, added to the square root of the second moment in the update's denominator.</summary>
    public double Eps { get; init; } = 1e-8;
    /// <summary>AdamW's decoupled weight decay coefficient (0: none, the paper's setting).</summary>
    public double WeightDecay { get; init; }
    /// <summary>Steps of linear warmup from 0 to <see cref="LearningRate"/> (0: none, the paper's setting).</summary>
    public int WarmupSteps { get; init; }
    /// <summary>Global gradient-norm clip; 0 or less disables it.</summary>
    public double MaxGradNorm { get; init; } = 1.0;
    /// <summary>Seeds the order of rows in each epoch and the random numbers of each step (dropout), so a run is repeatable
    /// and a resumed run continues as the uninterrupted one would.</summary>
    public long Seed { get; init; } = 42;
    /// <summary>Save a resumable state every this many steps (and at each epoch end).</summary>
    public int CheckpointEvery { get; init; } = 200;
    /// <summary>Also evaluate on the validation split every this many steps (0: only at each epoch end); each pass is a checkpoint candidate.</summary>
    public int EvaluateEvery { get; init; }
    /// <summary>Evaluate on the validation split at each epoch end and keep the best model (lowest validation loss).</summary>
    public bool KeepBest { get; init; } = true;
    /// <summary>Stop after the first epoch whose validation loss is at or below this (null: run every epoch). The learning
    /// rate still follows the schedule of the full run, so a run that needs every epoch is the same as without a target.</summary>
    public double? StopAtValidationLoss { get; init; }

    /// <summary>Checks the settings; each message names its parameter (in backticks, see <see cref="IO.InputException.Respell(Func{string, string?})"/>).</summary>
    public void Validate()
    {
        if (Epochs < 1) throw new IO.InputException($"`epochs` must be at least 1 (got {Epochs})");
        if (BatchSize < 1) throw new IO.InputException($"`batch_size` must be at least 1 (got {BatchSize})");
        if (!(LearningRate > 0) || double.IsInfinity(LearningRate)) throw new IO.InputException($"`lr` must be a positive number (got {LearningRate})");
        if (!(MaxGradNorm >= 0 && double.IsFinite(MaxGradNorm))) throw new IO.InputException($"`max_grad_norm` must be a finite number ≥ 0 (0 turns clipping off); got {MaxGradNorm}");
        if (StopAtValidationLoss is double t && !double.IsFinite(t)) throw new IO.InputException($"`stop_at_loss` must be a finite number (got {t})");
    }
}
