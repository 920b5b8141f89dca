namespace CausalPreference.Data;

/// <summary>How the outcome is coded.</summary>
public enum OutcomeKind
{
    /// <summary>Decide from the data: <see cref="Binomial"/> when clicks and impressions are given, else <see cref="Binary"/>
    /// when every outcome is 0 or 1, else <see cref="Continuous"/>. A loaded dataset without an outcome keeps Auto.</summary>
    Auto,
    /// <summary>Any finite number.</summary>
    Continuous,
    /// <summary>Exactly 0 or 1.</summary>
    Binary,
    /// <summary>A rate clicks / impressions, weighted by impressions.</summary>
    Binomial,
}
