namespace CausalPreference.Evaluation.Judging;

/// <summary>A judge's answer: the preferred text, the judge's raw output (kept for audit), and its stated reason if any.</summary>
public sealed record JudgeVerdict(PairChoice Preferred, string RawResponse, string? Reason);
