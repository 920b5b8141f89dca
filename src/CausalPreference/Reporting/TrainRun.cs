namespace CausalPreference.Reporting;

/// <summary>One training run's log: train_log.jsonl (one JSON object per step) plus training.json and run.json when present.</summary>
/// <param name="Name">Display name (folder name, prefixed where needed to be unique).</param>
/// <param name="Path">The run folder.</param>
/// <param name="Steps">Every parsed log line as metric → value (null/non-numeric values are NaN), in file order.</param>
/// <param name="SkippedLines">Lines that were not JSON objects with a numeric "step" (e.g. a torn last line).</param>
/// <param name="Objective">cpo, dr-cpo, oo-rlhf (from run.json), or null (e.g. an FT/SFT run).</param>
/// <param name="OutcomeModel">The outcome model used (run.json).</param>
/// <param name="BestEpoch">Best epoch (training.json).</param>
/// <param name="ValidationValue">Validation value of the best epoch (run.json, or training.json's validation_value).</param>
/// <param name="ValidationEssFraction">Validation ESS fraction of the best epoch.</param>
/// <param name="ValidationLoss">Best validation loss (training.json), e.g. FT's nats per token.</param>
public sealed record TrainRun(string Name, string Path, IReadOnlyList<IReadOnlyDictionary<string, double>> Steps, int SkippedLines,
    string? Objective, string? OutcomeModel, int? BestEpoch, double? ValidationValue, double? ValidationEssFraction, double? ValidationLoss)
{
    /// <summary>(step, metric) for every log line that has the metric as a finite number.</summary>
    public IReadOnlyList<(double Step, double Value)> Series(string metric) =>
        Steps.Where(s => s.TryGetValue(metric, out var v) && double.IsFinite(v)).Select(s => (s["step"], s[metric])).ToList();
}
