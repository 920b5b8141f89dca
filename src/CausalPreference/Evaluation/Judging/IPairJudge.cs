namespace CausalPreference.Evaluation.Judging;

/// <summary>
/// A pairwise judge: a proxy annotator (an LLM, an outcome model) that says which of two texts is better.
/// Implementations must be safe to call concurrently.
/// </summary>
public interface IPairJudge
{
    /// <summary>Short name, e.g. "openai:gpt-4-1106-preview"; used in reports and in the cache key.</summary>
    string Name { get; }

    /// <summary>
    /// Everything besides the two texts and the prompt that determines the verdict (model id, prompt template,
    /// temperature, score direction...). Part of the judgment cache key, so changing any of it re-asks the judge.
    /// </summary>
    string Configuration { get; }

    /// <summary>Judges one pair. Throws on failures that are not answers (network, authentication); those are not cached.</summary>
    Task<JudgeVerdict> JudgeAsync(JudgePair pair, CancellationToken ct = default);
}
