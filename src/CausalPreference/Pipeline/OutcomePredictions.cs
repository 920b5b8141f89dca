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
    public sealed record Result(double[] Train, double[] Validation, double[] Tilde, string Source, double? R2, double? Auc);

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
