namespace CausalPreference.Outcome;

/// <summary>
/// An outcome model ĝ(x) ≈ E[Y | X = x], on Y's own coding (for 0/1 outcomes: probabilities). Implementations are
/// deterministic given their options and data, and save themselves into a folder whose <c>outcome_model.json</c>
/// names their <see cref="Kind"/>, so <see cref="OutcomeModels.Load"/> can restore them.
/// </summary>
public interface IOutcomeModel
{
    /// <summary>Stable identifier of the model family, written to <c>outcome_model.json</c> (e.g. "lexical-linear").</summary>
    string Kind { get; }

    /// <summary>Fits the model to texts and outcomes, optionally with non-negative row weights (replacing any earlier fit).</summary>
    void Fit(IReadOnlyList<string> texts, double[] y, double[]? weights = null);

    /// <summary>Predicted E[Y | X] for each text.</summary>
    double[] Predict(IReadOnlyList<string> texts);

    /// <summary>Saves the fitted model into folder <paramref name="dir"/> (created if needed), including <c>outcome_model.json</c>.</summary>
    void Save(string dir);
}
