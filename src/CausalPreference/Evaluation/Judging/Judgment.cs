namespace CausalPreference.Evaluation.Judging;

/// <summary>One pairwise judgment from the point of view of the method being evaluated.</summary>
public enum Judgment
{
    /// <summary>The judge preferred the method's text.</summary>
    Win,
    /// <summary>The judge preferred the baseline's text.</summary>
    Loss,
    /// <summary>The judge gave no usable answer (unparsable, conflicting, or a tie); excluded from the win rate and counted.</summary>
    Invalid,
}
