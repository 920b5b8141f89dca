using CausalPreference.Data;
using CausalPreference.IO;
using CausalPreference.Outcome;

namespace CausalPreference.Pipeline;

/// <summary>
/// ĝ for the causal objectives, on Y's own scale:
/// - from a saved outcome model (fit on a separate sample, as Theorem 4.4 allows — e.g. on confounded data), or
/// - cross-fitted on the training rows: every ĝ(X_i) comes from a model that never saw row i (K folds, groups kept
///   within a fold), and the model fit on all training rows predicts the held-out rows and the X̃ samples.
/// </summary>
public static class OutcomePredictions
{
    /// <summary>ĝ on every set the objectives need, with where it came from and how well it fits.</summary>
    /// <param name="Train">ĝ(X_i) for each training row: out-of-fold when cross-fitted.</param>
    /// <param name="Validation">ĝ(X_i) for each validation row.</param>
    /// <param name="Tilde">ĝ(X̃_j) for each unlabeled sample.</param>
    /// <param name="Source">A human-readable account of the predictions' origin (the saved model and its kind, or the
    /// cross-fitted model and its number of folds).</param>
    /// <param name="R2">Out-of-fold R² on the training rows for a cross-fitted non-binary outcome; null for a saved model or a 0/1 outcome.</param>
    /// <param name="Auc">Out-of-fold AUC on the training rows for a cross-fitted 0/1 outcome; null otherwise.</param>
    public sealed record Result(double[] Train, double[] Validation, double[] Tilde, string Source, double? R2, double? Auc);

    /// <summary>ĝ for the training rows, the validation rows and the X̃ samples <paramref name="tilde"/>: from the outcome
    /// model saved in <paramref name="savedModelDir"/>, or, when that is null, the lexical linear model cross-fitted on
    /// <paramref name="train"/> with <paramref name="folds"/> folds (see <see cref="CrossFitLexical"/>) and seed
    /// <paramref name="seed"/>. Throws <see cref="InputException"/> when the folder does not exist or the data has fewer
    /// than 2 rows (or groups) to fold.</summary>
    public static Result Get(DirectOutcomeDataset train, DirectOutcomeDataset validation, IReadOnlyList<string> tilde,
        string? savedModelDir, int folds, long seed)
    {
        if (savedModelDir != null)
        {
            if (!Directory.Exists(savedModelDir)) throw new InputException("outcome model folder not found; train one with `causalpo outcome-model`", savedModelDir);
            var model = OutcomeModels.Load(savedModelDir);
            return new Result(model.Predict(train.Rows.Select(r => r.Text).ToArray()), model.Predict(validation.Rows.Select(r => r.Text).ToArray()),
                model.Predict(tilde), $"saved model {savedModelDir} ({model.Kind})", null, null);
        }
        var cf = CrossFitLexical(train, folds, seed);
        return new Result(cf.OutOfFold, cf.FinalModel.Predict(validation.Rows.Select(r => r.Text).ToArray()), cf.FinalModel.Predict(tilde),
            $"{cf.FinalModel.Kind}, cross-fitted with {cf.Folds} folds", cf.Auc is null ? cf.R2 : null, cf.Auc);
    }

    /// <summary>Cross-fits the lexical linear model (logistic for 0/1 outcomes; impressions-weighted for binomial CTRs).</summary>
    public static CrossFitResult CrossFitLexical(DirectOutcomeDataset ds, int folds, long seed)
    {
        bool binary = ds.Kind == OutcomeKind.Binary;
        var texts = ds.Rows.Select(r => r.Text).ToArray();
        var y = ds.Rows.Select(r => r.Outcome).ToArray();
        var w = ds.Rows.Select(r => r.Weight).ToArray();
        var groups = ds.Spec.GroupColumn is null ? null : ds.Rows.Select(r => r.Group).ToArray();
        int k = Math.Min(folds, groups?.Distinct().Count() ?? texts.Length);
        if (k < 2) throw new InputException($"cross-fitting needs at least 2 folds of data (rows or groups); got {k}", ds.Spec.Path);
        return CrossFit.OutOfFold(() => new LexicalLinearModel(new LexicalLinearOptions { Binary = binary }), texts, y, k, (int)(seed % int.MaxValue), groups, w);
    }
}
