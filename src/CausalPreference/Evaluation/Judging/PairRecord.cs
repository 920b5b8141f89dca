namespace CausalPreference.Evaluation.Judging;

/// <summary>One judged pair, mapped back to the method's point of view.</summary>
/// <param name="Index">Position in the input list (0-based).</param>
/// <param name="Id">Pair id shown to the judge ("pair-{Index}").</param>
/// <param name="Prompt">The prompt both texts continue, if any.</param>
/// <param name="MethodText">The method's text.</param>
/// <param name="BaselineText">The baseline's text.</param>
/// <param name="MethodIsA">Whether the method's text was shown as A.</param>
/// <param name="Preferred">The judge's choice in display terms.</param>
/// <param name="Outcome">Win / Loss for the method, or Invalid.</param>
/// <param name="Reason">The judge's stated reason, or why the answer was invalid.</param>
/// <param name="RawResponse">The judge's raw output.</param>
/// <param name="FromCache">True when the verdict came from the cache, not a new judge call.</param>
public sealed record PairRecord(int Index, string Id, string? Prompt, string MethodText, string BaselineText, bool MethodIsA,
    PairChoice Preferred, Judgment Outcome, string? Reason, string RawResponse, bool FromCache);
