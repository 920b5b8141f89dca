namespace CausalPreference.Evaluation.OffPolicy;

/// <summary>How <see cref="HeldoutEvaluator"/> obtains a model's scores on the held-out rows and its policy samples.</summary>
public interface IPolicyScorer
{
    /// <summary>Scores the named model on the rows; draws (or reads) its policy samples only when <paramref name="withSamples"/>.</summary>
    PolicyScores Score(string model, bool withSamples);
}
