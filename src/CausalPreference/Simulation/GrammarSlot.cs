namespace CausalPreference.Simulation;

/// <summary>A position in the built-in grammar (e.g. "subject"); a text picks exactly one of its <see cref="Options"/>.</summary>
public sealed record GrammarSlot(string Name, IReadOnlyList<SlotOption> Options);
