using CausalPreference.IO;
using CausalPreference.Outcome;
using CausalPreference.Simulation;

namespace CausalPreference.Tests.Outcome;

public class CrossFitAndMetricsTests
{
    /// <summary>Predicts the training outcome of a text it has seen, else the training mean: a perfect leak detector.</summary>
    sealed class Memorizer : IOutcomeModel
    {
        Dictionary<string, double> _seen = new();
        double _mean;
        public int FitRows { get; private set; }
        public string Kind => "memorizer";
        public void Fit(IReadOnlyList<string> texts, double[] y, double[]? weights = null)
        {
            _seen = texts.Select((t, i) => (t, y[i])).ToDictionary(p => p.t, p => p.Item2);
            _mean = y.Average();
            FitRows = texts.Count;
        }
        public double[] Predict(IReadOnlyList<string> texts) => texts.Select(t => _seen.TryGetValue(t, out var v) ? v : _mean).ToArray();
        public void Save(string dir) { }
    }

    [Fact]
    public void OutOfFoldPredictionsNeverSeeTheirOwnRow()
    {
        int n = 23;
        var texts = Enumerable.Range(0, n).Select(i => $"text {i}").ToArray();
        var y = Enumerable.Range(0, n).Select(i => (double)(i * i % 7)).ToArray();
        var r = CrossFit.OutOfFold(() => new Memorizer(), texts, y, folds: 4, seed: 3);
        Assert.Equal(4, r.Folds);
        for (int i = 0; i < n; i++)
        {
            var others = Enumerable.Range(0, n).Where(j => r.Fold[j] != r.Fold[i]).Select(j => y[j]).ToArray();
            Assert.Equal(others.Average(), r.OutOfFold[i], 12);
        }
        // Folds balanced (23 = 6 + 6 + 6 + 5) and deterministic in the seed.
        Assert.Equal([5, 6, 6, 6], r.Fold.GroupBy(f => f).Select(g => g.Count()).OrderBy(c => c).ToArray());
        Assert.Equal(r.Fold, CrossFit.OutOfFold(() => new Memorizer(), texts, y, folds: 4, seed: 3).Fold);
        Assert.NotEqual(r.Fold, CrossFit.AssignFolds(n, 4, seed: 4));
        // The final model saw every row.
        Assert.Equal(n, ((Memorizer)r.FinalModel).FitRows);
        Assert.Equal(y, r.FinalModel.Predict(texts));
        // R² of those fold-mean predictions, computed naively.
        double my = y.Average(), ssr = 0, sst = 0;
        for (int i = 0; i < n; i++) { ssr += Math.Pow(y[i] - r.OutOfFold[i], 2); sst += Math.Pow(y[i] - my, 2); }
        Assert.Equal(1 - ssr / sst, r.R2, 12);
        Assert.Null(r.Auc);
    }

    [Fact]
    public void GroupsStayWithinOneFold()
    {
        int n = 40;
        var texts = Enumerable.Range(0, n).Select(i => $"t{i}").ToArray();
        var y = Enumerable.Range(0, n).Select(i => (double)(i % 5)).ToArray();
        var groups = Enumerable.Range(0, n).Select(i => i < 30 ? $"g{i % 7}" : null).ToArray();
        var r = CrossFit.OutOfFold(() => new Memorizer(), texts, y, folds: 3, seed: 1, groups: groups);
        foreach (var g in groups.Where(g => g != null).Distinct())
            Assert.Single(Enumerable.Range(0, n).Where(i => groups[i] == g).Select(i => r.Fold[i]).Distinct());
        Assert.Equal(3, r.Fold.Distinct().Count());
        Assert.Throws<InputException>(() => CrossFit.OutOfFold(() => new Memorizer(), texts.Take(2).ToArray(), y.Take(2).ToArray(), folds: 3));
        Assert.Throws<InputException>(() => CrossFit.OutOfFold(() => new Memorizer(), texts, y, folds: 5, groups: texts.Select(_ => "same").ToArray()));
    }

    [Fact]
    public void CrossFittedLexicalModelOnTheWorldHasHonestPositiveR2AndBinaryMetrics()
    {
        var world = new World();
        var data = world.Generate(1500, seed: 8);
        var r = CrossFit.OutOfFold(() => new LexicalLinearModel(), data.Texts, data.Outcomes, folds: 5);
        // Signal variance of g* under P^R vs noise variance 1: the best possible R² is Var(g*)/(Var(g*)+1).
        var g = world.Grammar;
        double e = world.ExpectedValueUnderPR();
        double varG = g.Sum(t => Math.Exp(t.LogPropensity) * (t.TrueMean - e) * (t.TrueMean - e));
        double best = varG / (varG + 1);
        Assert.InRange(r.R2, best - 0.08, best + 0.05);
        Assert.Null(r.Auc);

        var bin = new World(WorldConfig.DefaultBinary()).Generate(1500, seed: 9);
        var rb = CrossFit.OutOfFold(() => new LexicalLinearModel(new LexicalLinearOptions { Binary = true }), bin.Texts, bin.Outcomes, folds: 5);
        Assert.NotNull(rb.Auc);
        Assert.InRange(rb.Auc!.Value, 0.6, 0.9);
        Assert.NotNull(rb.LogLoss);
        Assert.Equal(Metrics.LogLoss(bin.Outcomes, rb.OutOfFold), rb.LogLoss!.Value, 12);
    }

    [Fact]
    public void InputErrorsNameTheRowOfTheFullData()
    {
        var texts = Enumerable.Range(0, 10).Select(i => $"t{i}").ToArray();
        var y = Enumerable.Range(0, 10).Select(i => i == 7 ? 2.0 : i % 2).ToArray();
        var e = Assert.Throws<InputException>(() => CrossFit.OutOfFold(() => new LexicalLinearModel(new LexicalLinearOptions { Binary = true }), texts, y, folds: 3));
        Assert.Equal(8, e.Row);
    }

    [Fact]
    public void R2OnKnownValues()
    {
        double[] y = [1, 2, 3];
        Assert.Equal(1.0, Metrics.R2(y, [1, 2, 3]), 12);
        Assert.Equal(0.0, Metrics.R2(y, [2, 2, 2]), 12);
        Assert.Equal(-3.0, Metrics.R2(y, [3, 2, 1]), 12);            // SSres 8 / SStot 2
        Assert.True(double.IsNaN(Metrics.R2([2, 2], [1, 3])));
        // Weighted: weight 2 on a row equals repeating it.
        Assert.Equal(Metrics.R2([1, 1, 2, 4], [1.5, 1.5, 2, 3]), Metrics.R2([1, 2, 4], [1.5, 2, 3], [2, 1, 1]), 12);
        Assert.Equal(Math.Sqrt(8.0 / 3), Metrics.Rmse(y, [3, 2, 1]), 12);
    }

    static double NaiveAuc(double[] y, double[] s)
    {
        double num = 0, den = 0;
        for (int i = 0; i < y.Length; i++)
            for (int j = 0; j < y.Length; j++)
                if (y[i] == 1 && y[j] == 0) { den++; num += s[i] > s[j] ? 1 : s[i] == s[j] ? 0.5 : 0; }
        return num / den;
    }

    [Fact]
    public void AucOnKnownValuesWithTies()
    {
        Assert.Equal(1.0, Metrics.Auc([0, 0, 1, 1], [0.1, 0.2, 0.8, 0.9]), 12);
        Assert.Equal(0.0, Metrics.Auc([1, 1, 0, 0], [0.1, 0.2, 0.8, 0.9]), 12);
        Assert.Equal(0.5, Metrics.Auc([0, 1, 0, 1], [0.3, 0.3, 0.3, 0.3]), 12);
        // [0,1,1,0] with scores [.1,.4,.35,.8]: pairs (pos,neg): (.4,.1)>,(.4,.8)<,(.35,.1)>,(.35,.8)< → 2/4.
        Assert.Equal(0.5, Metrics.Auc([0, 1, 1, 0], [0.1, 0.4, 0.35, 0.8]), 12);
        // One positive tied with one of two negatives, above the other: (1 + 0.5) / 2.
        Assert.Equal(0.75, Metrics.Auc([1, 0, 0], [0.5, 0.5, 0.2]), 12);
        Assert.True(double.IsNaN(Metrics.Auc([1, 1], [0.2, 0.3])));
        Assert.Throws<ArgumentException>(() => Metrics.Auc([0.5, 1], [0.2, 0.3]));

        var rng = new Random(4);
        var ys = Enumerable.Range(0, 200).Select(_ => rng.NextDouble() < 0.4 ? 1.0 : 0.0).ToArray();
        var ss = ys.Select(v => Math.Round(v + rng.NextDouble() * 2, 1)).ToArray();     // rounding makes many ties
        Assert.Equal(NaiveAuc(ys, ss), Metrics.Auc(ys, ss), 12);
        // Weighted = repeated rows.
        var wts = ys.Select((_, i) => (double)(i % 3 + 1)).ToArray();
        var ry = ys.SelectMany((v, i) => Enumerable.Repeat(v, (int)wts[i])).ToArray();
        var rs = ss.SelectMany((v, i) => Enumerable.Repeat(v, (int)wts[i])).ToArray();
        Assert.Equal(NaiveAuc(ry, rs), Metrics.Auc(ys, ss, wts), 12);
    }

    [Fact]
    public void LogLossOnKnownValues()
    {
        Assert.Equal(-(Math.Log(0.8) + Math.Log(0.7)) / 2, Metrics.LogLoss([1, 0], [0.8, 0.3]), 12);
        Assert.Equal(-Math.Log(1e-15), Metrics.LogLoss([1], [0]), 6);
    }
}
