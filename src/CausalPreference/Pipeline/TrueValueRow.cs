namespace CausalPreference.Pipeline;

/// <summary>A model's true value on the built-in world: mean g* over its samples with a 95% CI.</summary>
public sealed record TrueValueRow(string Model, double Mean, double StdError, double CiLow, double CiHigh, double FractionGrammatical, int N,
    double PhraseSumMean = double.NaN);
