using TorchSharp;
using CausalPreference.Causal;
using CausalPreference.Data;
using CausalPreference.Training;

namespace CausalPreference.Refuters;

/// <summary>Everything <see cref="Refutation.Run"/> needs.</summary>
/// <param name="Spec">The direct-outcome file and its columns (design log-propensities, if any, are used as P^R).</param>
/// <param name="ModelPath">The FT model: the start of training, the baseline, and P̂^R when the data has no design probabilities.</param>
/// <param name="Objective">cpo or dr-cpo (oo-rlhf is accepted too).</param>
/// <param name="Training">Every training setting (folds, m and the validation share included); use the ones of the run being checked.</param>
/// <param name="OutDir">Output folder (placebo/, half-a/, half-b/, refute.json).</param>
/// <param name="Placebo">Run the placebo check.</param>
/// <param name="Stability">Run the subset-stability check.</param>
/// <param name="TestFraction">Rows (whole groups) held out from training for the estimates.</param>
/// <param name="Estimator">IPW, SNIPW, DM, DR or SNDR (the last three sample <paramref name="Samples"/> texts per model), or
/// WITHIN (<see cref="WithinExperimentValue"/>: needs a group column; null picks WITHIN for grouped data, else SNIPW).</param>
/// <param name="MaxRows">Keep at most this many rows (whole groups, seeded); 0 = all.</param>
/// <param name="Samples">Texts sampled per model for DM/DR/SNDR.</param>
/// <param name="Device">Torch device (null = CPU).</param>
public sealed record RefutationRequest(DatasetSpec Spec, string ModelPath, ObjectiveKind Objective, CausalTrainingOptions Training, string OutDir,
    bool Placebo = true, bool Stability = true, double TestFraction = 0.2, string? Estimator = null, int MaxRows = 0,
    int Samples = 100, torch.Device? Device = null)
{
    /// <summary>The optimization settings of <see cref="Training"/>.</summary>
    public TrainerOptions Trainer => Training.Trainer;
    /// <summary>Cross-fitting folds of ĝ.</summary>
    public int Folds => Training.Folds;
    /// <summary>X̃ samples for DR-CPO (0 = 2 × training rows).</summary>
    public int M => Training.M;
    /// <summary>Share of training rows used for checkpoint selection.</summary>
    public double ValidationFraction => Training.ValidationFraction;
}
