namespace CausalPreference.Simulation;

/// <summary>
/// One choice for a grammar slot: a phrase of lowercase ASCII words separated by single spaces, its probability
/// under the randomization distribution P^R (within its slot), and its additive effect on the linear score whenever
/// the phrase occurs in a text (word-boundary match, counted once).
/// </summary>
public sealed record SlotOption(string Phrase, double Probability, double Effect);
