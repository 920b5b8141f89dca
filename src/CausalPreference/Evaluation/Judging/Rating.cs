namespace CausalPreference.Evaluation.Judging;

/// <summary>One rating: a rater's label for an item.</summary>
public readonly record struct Rating(string Item, string Rater, string Label);
