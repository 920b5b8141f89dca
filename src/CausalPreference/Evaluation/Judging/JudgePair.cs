namespace CausalPreference.Evaluation.Judging;

/// <summary>One pair shown to a judge: an id, the prompt both texts continue (may be null), and the two texts in display order.</summary>
public sealed record JudgePair(string Id, string? Prompt, string TextA, string TextB);
