namespace CausalPreference.Training;

/// <summary>A progress report from a training loop: one per optimizer step, and one per validation pass.</summary>
public sealed record TrainingProgress(
    int Epoch, long Step, long TotalSteps, double Loss, double LearningRate, double TokensPerSecond,
    IReadOnlyDictionary<string, double> Metrics, bool IsValidation = false);
