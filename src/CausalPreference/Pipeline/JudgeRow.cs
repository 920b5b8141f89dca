using CausalPreference.Evaluation.Judging;

namespace CausalPreference.Pipeline;

/// <summary>One pairwise comparison by one judge (judge/judgments.json).</summary>
/// <param name="Kind">"vs-ft", "pair" (two methods) or "confounding" (unconfounded over confounded).</param>
public sealed record JudgeRow(string Judge, string Kind, string Method, string Baseline, double Rate, double StdError, double Lower, double Upper,
    int Wins, int Valid, int Invalid, bool Significant)
{
    /// <summary>The win rate as a <see cref="WinRate"/>.</summary>
    public WinRate ToWinRate() => new(Rate, StdError, Lower, Upper, Wins, Valid, Invalid);
}
