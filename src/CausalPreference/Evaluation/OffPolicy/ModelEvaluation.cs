using CausalPreference.Causal;

namespace CausalPreference.Evaluation.OffPolicy;

/// <summary>One model's evaluation.</summary>
/// <param name="Name">Display name.</param>
/// <param name="Path">The model folder.</param>
/// <param name="Weights">Diagnostics of the importance ratios P^f(X_i)/P^R(X_i) on the held-out rows, before any clipping.</param>
/// <param name="SupportMass">Mean importance weight Σ c·w / Σ c with its 95% CI: the share of the model's probability on texts
/// the logging distribution can produce (≤ 1 up to noise; well below 1 means IPW is scaled down, above 1 means inconsistent densities).</param>
/// <param name="TruncatedRows">Held-out rows longer than the model's context: their score is that of a prefix.</param>
/// <param name="NonCanonicalSamples">Policy samples whose text does not re-encode to the sampled tokens.</param>
/// <param name="ScoresCached">Whether log P^f(X_i) came from the cache.</param>
/// <param name="SamplesCached">Whether the policy samples came from the cache.</param>
/// <param name="Estimates">IPW, SNIPW, DM, DR, SNDR, in that order.</param>
/// <param name="DifferenceToBaseline">V(model) − V(baseline) per estimator (paired on the same rows); null for the baseline itself.</param>
public sealed record ModelEvaluation(
    string Name, string Path, WeightDiagnostics Weights, ValueEstimate SupportMass, int TruncatedRows, int NonCanonicalSamples, bool ScoresCached, bool SamplesCached,
    IReadOnlyList<EstimatorResult> Estimates, IReadOnlyList<EstimatorResult>? DifferenceToBaseline);
