namespace CausalPreference.Data;

/// <summary>
/// Everything needed to load a direct-outcome dataset: the file and which of its columns play which role.
/// Column names are exact (case-sensitive); null or blank means "not given".
/// </summary>
/// <param name="Path">A .csv, .tsv, .jsonl / .ndjson or .parquet file.</param>
/// <param name="TextColumn">The column holding each row's text (required; must be non-blank in every row).</param>
public sealed record DatasetSpec(string Path, string TextColumn)
{
    /// <summary>The file's name and the columns read, for model cards and reports, e.g. <c>data.csv (text 'headline', outcome 'ctr', higher is better, experiments 'test_id')</c>.</summary>
    public string Describe()
    {
        var parts = new List<string> { $"text '{TextColumn}'" };
        if (OutcomeColumn is { } o) parts.Add($"outcome '{o}', {(HigherIsBetter ? "higher" : "lower")} is better");
        if (ClicksColumn is { } c) parts.Add($"clicks '{c}' of impressions '{ImpressionsColumn}'");
        if (PromptColumn is { } p) parts.Add($"prompt '{p}'");
        if (GroupColumn is { } g) parts.Add($"experiments '{g}'");
        if (LogPropensityColumn is { } l) parts.Add($"design log-probabilities '{l}'");
        return $"{System.IO.Path.GetFileName(Path)} ({string.Join(", ", parts)})";
    }

    /// <summary>The numeric outcome. Give it, or <see cref="ClicksColumn"/> with <see cref="ImpressionsColumn"/> (not both).</summary>
    public string? OutcomeColumn { get; init; }
    /// <summary>Optional prompt (context) the text was written for.</summary>
    public string? PromptColumn { get; init; }
    /// <summary>Optional natural-log probability (≤ 0) with which the logging design showed the text.</summary>
    public string? LogPropensityColumn { get; init; }
    /// <summary>Optional positive row weight (default 1).</summary>
    public string? WeightColumn { get; init; }
    /// <summary>Optional group id (e.g. an A/B test); a split keeps each group on one side.</summary>
    public string? GroupColumn { get; init; }
    /// <summary>Clicks (successes); with <see cref="ImpressionsColumn"/> the outcome is clicks / impressions.</summary>
    public string? ClicksColumn { get; init; }
    /// <summary>Impressions (trials, &gt; 0); they become the row weight (times <see cref="WeightColumn"/> if given).</summary>
    public string? ImpressionsColumn { get; init; }
    /// <summary>The direction: true when a larger outcome is better. No default is guessed from data; callers pass it explicitly.
    /// The record's default is true.</summary>
    public bool HigherIsBetter { get; init; } = true;
    /// <summary>How the outcome is coded; <see cref="OutcomeKind.Auto"/> decides from the data.</summary>
    public OutcomeKind Kind { get; init; } = OutcomeKind.Auto;
    /// <summary>False for verbs that only need the text: then the outcome may be left out (if given it is still checked).</summary>
    public bool RequireOutcome { get; init; } = true;
    /// <summary>Fewest data rows accepted (2 for training and evaluation; a verb that handles rows one by one, such as judge, accepts 1).</summary>
    public int MinRows { get; init; } = 2;
}
