namespace CausalPreference.Reporting;

/// <summary>A demo folder's results.json: each model's TRUE value (the world knows g*).</summary>
public sealed record DemoRun(string Name, string Path, int? Seed, double? ValueUnderRandomization, double? BestPossibleValue,
    IReadOnlyList<(string Model, double Value, double Lo, double Hi, double? FractionGrammatical)> Models);
