using CausalPreference.Evaluation.Judging;

namespace CausalPreference.Pipeline;

/// <summary>One pairwise comparison by one judge (judge/judgments.json).</summary>
/// <param name="Judge">The judge's name (an outcome model or a chat model).</param>
/// <param name="Method">The model whose texts are judged against the baseline's.</param>
/// <param name="Baseline">The model it is compared with.</param>
/// <param name="Rate">Win rate of the method over the baseline among valid judgments.</param>
/// <param name="StdError">Standard error of the win rate.</param>
/// <param name="Lower">Lower end of the win rate's 95% interval.</param>
/// <param name="Upper">Upper end of the win rate's 95% interval.</param>
/// <param name="Wins">Judgments that preferred the method.</param>
/// <param name="Valid">Judgments that named a preference.</param>
/// <param name="Invalid">Answers that could not be parsed (excluded from the rate).</param>
/// <param name="Significant">True when the interval excludes 0.5.</param>
/// <param name="Kind">"vs-ft", "pair" (two methods) or "confounding" (unconfounded over confounded).</param>
public sealed record JudgeRow(string Judge, string Kind, string Method, string Baseline, double Rate, double StdError, double Lower, double Upper,
    int Wins, int Valid, int Invalid, bool Significant)
{
    /// <summary>The win rate as a <see cref="WinRate"/>.</summary>
    public WinRate ToWinRate() => new(Rate, StdError, Lower, Upper, Wins, Valid, Invalid);
}
