using CausalPreference.Data;

namespace CausalPreference.Evaluation.OffPolicy;

/// <summary>The held-out rows every model is evaluated on (logged under P^R, never trained on).</summary>
/// <param name="Texts">X_i.</param>
/// <param name="Prompts">The prompt each text continues (scores are then log P(X_i | prompt)); null when there are none.</param>
/// <param name="Outcome">Y_i on the raw scale.</param>
/// <param name="Weights">Row weights c_i (e.g. impressions); null when every row counts once.</param>
/// <param name="Experiments">The experiment (A/B test) id of every row; null for ungrouped data.</param>
/// <param name="DesignLogp">Known design log-probabilities log P^R(X_i) (log P^R(a | e) within experiments); null when unknown.</param>
public sealed record HeldoutRows(string[] Texts, string?[]? Prompts, double[] Outcome, double[]? Weights, string?[]? Experiments, double[]? DesignLogp)
{
    /// <summary>Number of rows n.</summary>
    public int Count => Texts.Length;

    /// <summary>The rows of a dataset; <paramref name="withPrompts"/> false scores the texts alone even where the data has prompts.</summary>
    public static HeldoutRows Of(DirectOutcomeDataset data, bool withPrompts = true)
    {
        ArgumentNullException.ThrowIfNull(data);
        var rows = data.Rows;
        return new HeldoutRows(
            rows.Select(x => x.Text).ToArray(),
            withPrompts && data.Spec.PromptColumn != null ? rows.Select(x => x.Prompt).ToArray() : null,
            rows.Select(x => x.Outcome).ToArray(),
            rows.Any(x => x.Weight != 1.0) ? rows.Select(x => x.Weight).ToArray() : null,
            data.Spec.GroupColumn != null ? rows.Select(x => x.Group).ToArray() : null,
            data.Spec.LogPropensityColumn != null ? rows.Select(x => x.LogPropensity!.Value).ToArray() : null);
    }
}
