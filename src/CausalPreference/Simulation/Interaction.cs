namespace CausalPreference.Simulation;

/// <summary>An extra effect added to the linear score when both phrases occur in a text (word-boundary matches).</summary>
public sealed record Interaction(string PhraseA, string PhraseB, double Effect);
