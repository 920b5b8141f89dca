namespace CausalPreference.Simulation;

/// <summary>One simulated observation.</summary>
/// <param name="Text">The text the reader saw.</param>
/// <param name="Outcome">The observed response Y.</param>
/// <param name="LogPropensity">log P^R(Text) under the randomization distribution — in confounded data too, where it
/// is what the analyst believes, not the exposure probability that actually generated the row.</param>
/// <param name="U">The hidden reader trait (0/1) in confounded data; null in randomized data.</param>
public sealed record SimulatedRow(string Text, double Outcome, double LogPropensity, int? U = null);
