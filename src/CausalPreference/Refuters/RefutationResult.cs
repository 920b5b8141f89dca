namespace CausalPreference.Refuters;

/// <summary>Results of <see cref="Refutation.Run"/> (also OUT/refute.json).</summary>
public sealed record RefutationResult(string Objective, string Estimator, string LoggingSource, PlaceboResult? Placebo, StabilityResult? Stability);
