namespace CausalPreference.Data;

/// <summary>One validated row of a direct-outcome dataset.</summary>
public sealed record OutcomeRow
{
    /// <summary>0-based position among the file's data rows; kept through splits and subsets so results join back.</summary>
    public required int Index { get; init; }
    /// <summary>The row number used in messages: <c>Index + 1</c> (header = row 0).</summary>
    public long SourceRow => Index + 1L;
    /// <summary>The text (never blank).</summary>
    public required string Text { get; init; }
    /// <summary>The prompt, when a prompt column was given.</summary>
    public string? Prompt { get; init; }
    /// <summary>The outcome on the user's scale (for binomial data clicks / impressions); NaN when the dataset has no outcome.</summary>
    public required double Outcome { get; init; }
    /// <summary>True when a larger <see cref="Outcome"/> is better (copied from the spec).</summary>
    public required bool HigherIsBetter { get; init; }
    /// <summary>The outcome in the direction every objective maximizes: <see cref="Outcome"/> when higher is better, else its
    /// negation. This is the only place the direction is applied.</summary>
    public double OrientedOutcome => HigherIsBetter ? Outcome : 0.0 - Outcome;
    /// <summary>Natural-log probability the text was shown with, when given (≤ 0).</summary>
    public double? LogPropensity { get; init; }
    /// <summary>Row weight (&gt; 0): 1 by default; impressions for binomial data, times the weight column when both are given.</summary>
    public double Weight { get; init; } = 1.0;
    /// <summary>Group id, when a group column was given.</summary>
    public string? Group { get; init; }
    /// <summary>Clicks, for binomial data.</summary>
    public double? Clicks { get; init; }
    /// <summary>Impressions, for binomial data.</summary>
    public double? Impressions { get; init; }
}
