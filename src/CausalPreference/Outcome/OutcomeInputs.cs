using CausalPreference.IO;

namespace CausalPreference.Outcome;

/// <summary>Shared checks of (texts, y, weights) for outcome models and cross-fitting.</summary>
internal static class OutcomeInputs
{
    /// <summary>Validates the inputs and returns the weights rescaled to average 1 (all ones when none are given).</summary>
    public static double[] Check(IReadOnlyList<string> texts, double[] y, double[]? weights, bool binary)
    {
        ArgumentNullException.ThrowIfNull(texts);
        ArgumentNullException.ThrowIfNull(y);
        if (texts.Count == 0) throw new InputException("the outcome model needs at least one row to fit.");
        if (y.Length != texts.Count) throw new ArgumentException($"{texts.Count} texts but {y.Length} outcomes; pass one outcome per text.", nameof(y));
        if (weights is not null && weights.Length != texts.Count) throw new ArgumentException($"{texts.Count} texts but {weights.Length} weights; pass one weight per text.", nameof(weights));
        for (int i = 0; i < y.Length; i++)
        {
            if (texts[i] is null) throw new InputException("the text is missing.", row: i + 1, column: "text");
            if (!double.IsFinite(y[i])) throw new InputException($"the outcome is {y[i]}; every outcome must be a finite number. Drop or fill such rows.", row: i + 1, column: "outcome");
            if (binary && (y[i] < 0 || y[i] > 1))
                throw new InputException($"a binary outcome model needs outcomes coded 0/1 (or proportions in [0, 1]); found {y[i]}. Recode the outcome (e.g. −1/+1 → 0/1) or fit a continuous model.", row: i + 1, column: "outcome");
        }
        var w = new double[texts.Count];
        if (weights is null) { Array.Fill(w, 1.0); return w; }
        double sum = 0;
        for (int i = 0; i < w.Length; i++)
        {
            if (!double.IsFinite(weights[i]) || weights[i] < 0) throw new InputException($"the weight is {weights[i]}; weights must be finite and ≥ 0.", row: i + 1, column: "weight");
            sum += weights[i];
        }
        if (!(sum > 0)) throw new InputException("all weights are zero; at least one row needs a positive weight.", column: "weight");
        for (int i = 0; i < w.Length; i++) w[i] = weights[i] * w.Length / sum;
        return w;
    }
}
