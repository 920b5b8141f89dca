namespace CausalPreference.Training;

/// <summary>
/// Optimization settings shared by FT and the causal objectives. Defaults are the paper's (docs/math.md#training-defaults): 3 epochs,
/// batch 4, AdamW lr 5e-5 (β 0.9/0.999, ε 1e-8, no weight decay), linear decay to 0 without warmup, grad-norm clip 1.0, seed 42.
/// </summary>
public sealed record TrainerOptions
{
    public int Epochs { get; init; } = 3;
    public int BatchSize { get; init; } = 4;
    public double LearningRate { get; init; } = 5e-5;
    public double Beta1 { get; init; } = 0.9;
    public double Beta2 { get; init; } = 0.999;
    public double Eps { get; init; } = 1e-8;
    public double WeightDecay { get; init; }
    public int WarmupSteps { get; init; }
    /// <summary>Global gradient-norm clip; 0 or less disables it.</summary>
    public double MaxGradNorm { get; init; } = 1.0;
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

    /// <summary>Checks the settings; each message names its parameter (in backticks, see <see cref="IO.InputException.Respell"/>).</summary>
    public void Validate()
    {
        if (Epochs < 1) throw new IO.InputException($"`epochs` must be at least 1 (got {Epochs})");
        if (BatchSize < 1) throw new IO.InputException($"`batch_size` must be at least 1 (got {BatchSize})");
        if (!(LearningRate > 0) || double.IsInfinity(LearningRate)) throw new IO.InputException($"`lr` must be a positive number (got {LearningRate})");
        if (!(MaxGradNorm >= 0 && double.IsFinite(MaxGradNorm))) throw new IO.InputException($"`max_grad_norm` must be a finite number ≥ 0 (0 turns clipping off); got {MaxGradNorm}");
        if (StopAtValidationLoss is double t && !double.IsFinite(t)) throw new IO.InputException($"`stop_at_loss` must be a finite number (got {t})");
    }
}
