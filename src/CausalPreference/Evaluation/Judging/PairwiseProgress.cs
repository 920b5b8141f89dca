namespace CausalPreference.Evaluation.Judging;

/// <summary>Progress of a pairwise evaluation: pairs done of total, how many came from the cache, how many were invalid.</summary>
public readonly record struct PairwiseProgress(int Completed, int Total, int FromCache, int Invalid);
