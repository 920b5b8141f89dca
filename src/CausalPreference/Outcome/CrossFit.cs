using CausalPreference.IO;

namespace CausalPreference.Outcome;

/// <summary>
/// K-fold cross-fitting of an outcome model (docs/math.md#outcome-models; the paper's Theorem 4.4 / Proposition 4.5 need ĝ fit on a sample
/// disjoint from the rows whose residuals Yᵢ − ĝ(Xᵢ) enter the IPW term).
/// </summary>
public static class CrossFit
{
    /// <summary>
    /// Out-of-fold predictions for every row, a final model fit on all rows, and held-out metrics.
    /// Rows are assigned to folds deterministically from <paramref name="seed"/>: the units (rows, or groups when
    /// <paramref name="groups"/> is given; a null group is a group of its own row) are shuffled, then each unit goes to
    /// the fold with the fewest rows so far, so a group never spans two folds and fold sizes stay balanced.
    /// </summary>
    /// <param name="factory">Creates a fresh, unfitted model (called K + 1 times).</param>
    /// <param name="texts">The texts Xᵢ.</param>
    /// <param name="y">The outcomes Yᵢ.</param>
    /// <param name="folds">K ≥ 2; there must be at least K units.</param>
    /// <param name="seed">Seed of the fold assignment.</param>
    /// <param name="groups">Optional group of each row (e.g. an experiment id) kept within one fold.</param>
    /// <param name="weights">Optional row weights, passed to Fit and used by the metrics.</param>
    public static CrossFitResult OutOfFold(Func<IOutcomeModel> factory, IReadOnlyList<string> texts, double[] y, int folds = 5, int seed = 0,
        IReadOnlyList<string?>? groups = null, double[]? weights = null)
    {
        ArgumentNullException.ThrowIfNull(factory);
        OutcomeInputs.Check(texts, y, weights, binary: false);
        if (groups is not null && groups.Count != texts.Count)
            throw new ArgumentException($"{texts.Count} texts but {groups.Count} groups; pass one group per text.", nameof(groups));
        if (folds < 2) throw new InputException($"cross-fitting needs at least 2 folds; got {folds}.");

        var fold = AssignFolds(texts.Count, folds, seed, groups);
        // The final model first: a model's own input checks then report row numbers of the full data.
        var final = factory();
        final.Fit(texts, y, weights);
        var oof = new double[texts.Count];
        for (int k = 0; k < folds; k++)
        {
            var train = Enumerable.Range(0, texts.Count).Where(i => fold[i] != k).ToArray();
            var test = Enumerable.Range(0, texts.Count).Where(i => fold[i] == k).ToArray();
            var model = factory();
            model.Fit(train.Select(i => texts[i]).ToArray(), train.Select(i => y[i]).ToArray(), weights is null ? null : train.Select(i => weights[i]).ToArray());
            var pred = model.Predict(test.Select(i => texts[i]).ToArray());
            if (pred.Length != test.Length) throw new InvalidOperationException($"the {model.Kind} model returned {pred.Length} predictions for {test.Length} texts.");
            for (int t = 0; t < test.Length; t++) oof[test[t]] = pred[t];
        }
        double r2 = Metrics.R2(y, oof, weights), rmse = Metrics.Rmse(y, oof, weights);
        double? auc = null, logLoss = null;
        if (y.All(v => v == 0 || v == 1))
        {
            auc = Metrics.Auc(y, oof, weights);
            if (oof.All(p => p >= 0 && p <= 1)) logLoss = Metrics.LogLoss(y, oof, weights);
        }
        return new CrossFitResult(oof, fold, folds, final, r2, rmse, auc, logLoss);
    }

    /// <summary>The fold of each row (see <see cref="OutOfFold"/> for the rule).</summary>
    public static int[] AssignFolds(int n, int folds, int seed, IReadOnlyList<string?>? groups = null)
    {
        // Units: distinct non-null groups in first-appearance order, then each null-group row alone.
        var unitOf = new int[n];
        var units = new List<List<int>>();
        var byName = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < n; i++)
        {
            var g = groups?[i];
            if (g is null) { unitOf[i] = units.Count; units.Add([i]); continue; }
            if (!byName.TryGetValue(g, out var u)) { u = units.Count; byName[g] = u; units.Add([]); }
            units[u].Add(i);
            unitOf[i] = u;
        }
        if (units.Count < folds)
            throw new InputException($"cross-fitting with {folds} folds needs at least {folds} {(groups is null ? "rows" : "groups")}; found {units.Count}. Use fewer folds or more data.");

        var order = Enumerable.Range(0, units.Count).ToArray();
        var rng = new Random(seed);
        for (int i = order.Length - 1; i > 0; i--) { int j = rng.Next(i + 1); (order[i], order[j]) = (order[j], order[i]); }

        var size = new int[folds];
        var unitFold = new int[units.Count];
        foreach (var u in order)
        {
            int best = 0;
            for (int k = 1; k < folds; k++) if (size[k] < size[best]) best = k;
            unitFold[u] = best;
            size[best] += units[u].Count;
        }
        var fold = new int[n];
        for (int i = 0; i < n; i++) fold[i] = unitFold[unitOf[i]];
        return fold;
    }
}
