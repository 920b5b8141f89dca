namespace CausalPreference.Evaluation.Judging;

/// <summary>Which text of a pair the judge preferred.</summary>
public enum PairChoice
{
    /// <summary>Text A.</summary>
    A,
    /// <summary>Text B.</summary>
    B,
    /// <summary>No usable answer (unparsable, conflicting, a tie); counted, never dropped silently.</summary>
    Invalid,
}
