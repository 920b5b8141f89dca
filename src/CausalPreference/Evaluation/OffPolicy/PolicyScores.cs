namespace CausalPreference.Evaluation.OffPolicy;

/// <summary>One model's scores on the held-out rows and, when asked for, its policy samples.</summary>
/// <param name="Logp">log P^f(X_i) of every row.</param>
/// <param name="Samples">Texts X̃_j ~ f; null when none were asked for.</param>
/// <param name="ScoresCached">Whether <paramref name="Logp"/> came from a cache.</param>
/// <param name="SamplesCached">Whether the samples came from a cache.</param>
/// <param name="TruncatedRows">Rows longer than the model's context (their score is that of a prefix).</param>
/// <param name="NonCanonicalSamples">Samples whose text does not re-encode to the sampled tokens.</param>
public sealed record PolicyScores(double[] Logp, string[]? Samples, bool ScoresCached = false, bool SamplesCached = false,
    int TruncatedRows = 0, int NonCanonicalSamples = 0);
