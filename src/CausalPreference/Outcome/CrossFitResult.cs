namespace CausalPreference.Outcome;

/// <summary>The result of <see cref="CrossFit.OutOfFold"/>.</summary>
/// <param name="OutOfFold">ĝ(Xᵢ) for every row, from a model that never saw row i (nor its group).</param>
/// <param name="Fold">The fold (0-based) each row was held out in.</param>
/// <param name="Folds">Number of folds K.</param>
/// <param name="FinalModel">A model fit on all rows, for predicting new texts such as X̃ (never for the rows' own residuals).</param>
/// <param name="R2">Out-of-fold R² (weighted when weights were given); NaN when y is constant.</param>
/// <param name="Rmse">Out-of-fold root mean squared error.</param>
/// <param name="Auc">Out-of-fold AUC when every outcome is 0 or 1 (NaN if one class is absent); null otherwise.</param>
/// <param name="LogLoss">Out-of-fold log-loss when every outcome is 0 or 1 and every prediction lies in [0, 1]; null otherwise.</param>
public sealed record CrossFitResult(double[] OutOfFold, int[] Fold, int Folds, IOutcomeModel FinalModel, double R2, double Rmse, double? Auc, double? LogLoss);
