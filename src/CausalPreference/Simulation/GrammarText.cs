namespace CausalPreference.Simulation;

/// <summary>One text of the enumerated grammar with its exact log P^R and true mean outcome g*.</summary>
/// <param name="Text">The text: the chosen phrases joined by single spaces.</param>
/// <param name="Choices">The chosen option index in each slot.</param>
/// <param name="LogPropensity">Σ over slots of log(option probability).</param>
/// <param name="TrueMean">g*(text).</param>
public sealed record GrammarText(string Text, IReadOnlyList<int> Choices, double LogPropensity, double TrueMean);
