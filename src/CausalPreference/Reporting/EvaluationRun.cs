namespace CausalPreference.Reporting;

/// <summary>An evaluate folder's evaluation.json: per model and estimator, estimate and 95% CI, and differences to the baseline.</summary>
public sealed record EvaluationRun(string Name, string Path, string Outcome, bool HigherIsBetter, string Baseline,
    IReadOnlyList<(string Model, string Estimator, double Estimate, double Lo, double Hi)> Estimates,
    IReadOnlyList<(string Model, string Estimator, double Estimate, double Lo, double Hi)> Differences,
    IReadOnlyList<(string Model, double EssFraction)> EssFractions, int Warnings);
