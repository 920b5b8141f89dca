namespace CausalPreference.Evaluation.OffPolicy;

/// <summary>A model's importance weights on the held-out rows are too concentrated, and the caller asked to refuse rather than warn.</summary>
public sealed class PoorOverlapException(string message) : InvalidOperationException(message);
