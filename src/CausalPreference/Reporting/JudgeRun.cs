namespace CausalPreference.Reporting;

/// <summary>A judge folder's winrate.json.</summary>
public sealed record JudgeRun(string Name, string Path, string Method, string Baseline, string? Judge, double Rate, double Lo, double Hi,
    bool Significant, int Valid, int Invalid);
