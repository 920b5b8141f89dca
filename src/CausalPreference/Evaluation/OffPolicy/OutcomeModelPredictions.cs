namespace CausalPreference.Evaluation.OffPolicy;

/// <summary>The outcome model ĝ as the estimators use it: out-of-fold predictions on the held-out rows and a
/// predictor for the policy samples.</summary>
/// <param name="Rows">ĝ(X_i) for every held-out row (from models that never saw row i, or a model fit on other data).</param>
/// <param name="Predict">ĝ of texts sampled from a model.</param>
public sealed record OutcomeModelPredictions(double[] Rows, Func<IReadOnlyList<string>, double[]> Predict);
