using CausalPreference.Evaluation.Judging;
using CausalPreference.IO;

namespace CausalPreference.Tests.Evaluation.Judging;

public class AgreementTests
{
    // Wikipedia "Fleiss' kappa" worked example: 10 items, 14 raters, 5 categories; κ ≈ 0.210.
    static readonly int[,] Wiki =
    {
        { 0, 0, 0, 0, 14 }, { 0, 2, 6, 4, 2 }, { 0, 0, 3, 5, 6 }, { 0, 3, 9, 2, 0 }, { 2, 2, 8, 1, 1 },
        { 7, 7, 0, 0, 0 }, { 3, 2, 6, 3, 0 }, { 2, 5, 3, 2, 2 }, { 6, 5, 2, 1, 0 }, { 0, 2, 2, 3, 7 },
    };

    [Fact]
    public void FleissKappaMatchesTheWikipediaExample()
    {
        double k = Agreement.FleissKappa(Wiki);
        Assert.Equal(0.210, Math.Round(k, 3));
        // Independent evaluation of the Fleiss formula (docs/math.md#agreement) with its published intermediates: P̄ = 0.378, P̄e = 0.213.
        int N = 10, n = 14, K = 5;
        double pBar = 0; var p = new double[K];
        for (int i = 0; i < N; i++)
        {
            double s = 0;
            for (int j = 0; j < K; j++) { s += Wiki[i, j] * Wiki[i, j]; p[j] += Wiki[i, j] / (double)(N * n); }
            pBar += (s - n) / (n * (n - 1.0)) / N;
        }
        double pe = p.Sum(x => x * x);
        Assert.Equal(0.378, Math.Round(pBar, 3));
        Assert.Equal(0.213, Math.Round(pe, 3));
        Assert.Equal((pBar - pe) / (1 - pe), k, 12);
    }

    [Fact]
    public void FleissKappaFromLabelsHandlesUnequalRaterCounts()
    {
        // Hand computation: P1 = 1/3, P2 = 1 (item 3 has one rating: excluded from P̄) → P̄ = 2/3;
        // p_a = mean(2/3, 1, 0) = 5/9, p_b = 4/9 → P̄e = 41/81; κ = (54/81 − 41/81)/(40/81) = 13/40.
        var k = Agreement.FleissKappa(new[] { new[] { "a", "a", "b" }, new[] { "a", "a" }, new[] { "b" } });
        Assert.Equal(13.0 / 40, k, 12);
    }

    [Fact]
    public void FleissKappaExtremes()
    {
        Assert.Equal(1.0, Agreement.FleissKappa(new[] { new[] { true, true }, new[] { false, false }, new[] { true, true } }), 12);
        // Perfect disagreement between two raters on a balanced binary item set: P̄ = 0, P̄e = 1/2 → κ = −1.
        Assert.Equal(-1.0, Agreement.FleissKappa(new[] { new[] { "a", "b" }, new[] { "b", "a" } }), 12);
        Assert.True(double.IsNaN(Agreement.FleissKappa(new[] { new[] { "a", "a" }, new[] { "a", "a" } })));
    }

    [Fact]
    public void PhiMatchesPearsonCorrelationOfTheBinaryVectors()
    {
        Assert.Equal(10 / Math.Sqrt(600), Agreement.Phi(3, 1, 2, 4), 12);
        bool[] r1 = [true, true, true, true, false, false, false, false, false, false];
        bool[] r2 = [true, true, true, false, true, true, false, false, false, false];
        double[] x = r1.Select(b => b ? 1.0 : 0).ToArray(), y = r2.Select(b => b ? 1.0 : 0).ToArray();
        double mx = x.Average(), my = y.Average(), sxy = 0, sxx = 0, syy = 0;
        for (int i = 0; i < x.Length; i++) { sxy += (x[i] - mx) * (y[i] - my); sxx += (x[i] - mx) * (x[i] - mx); syy += (y[i] - my) * (y[i] - my); }
        Assert.Equal(sxy / Math.Sqrt(sxx * syy), Agreement.Phi(r1, r2), 12);
        Assert.True(double.IsNaN(Agreement.Phi(2, 0, 2, 0)));
    }

    [Fact]
    public void MajorityVoteTakesTheModeAndBreaksTiesReproducibly()
    {
        var clear = Agreement.MajorityVote(new List<IReadOnlyList<string>> { new[] { "A", "B", "A" }, new[] { "B", "B", "A" } });
        Assert.Equal(["A", "B"], clear);
        var ties = Enumerable.Range(0, 400).Select(_ => (IReadOnlyList<string>)new[] { "A", "B" }).ToList();
        var v1 = Agreement.MajorityVote(ties);
        var v2 = Agreement.MajorityVote(ties);
        var v3 = Agreement.MajorityVote(ties, seed: 1);
        Assert.Equal(v1, v2);
        Assert.NotEqual(v1, v3);
        int a = v1.Count(v => v == "A");
        Assert.InRange(a, 140, 260); // a fair coin: 200 ± 6 sd
        Assert.Throws<ArgumentException>(() => Agreement.MajorityVote(new List<IReadOnlyList<string>> { Array.Empty<string>() }));
    }

    [Fact]
    public void RatingSetReportsKappaAndPhiForTwoBinaryRaters()
    {
        var dir = Directory.CreateTempSubdirectory("cp-agree-");
        try
        {
            var path = Path.Combine(dir.FullName, "r.csv");
            // Two raters, 10 items: the 2×2 table n11 = 3, n10 = 1, n01 = 2, n00 = 4 with "A" as 1.
            var lines = new List<string> { "item,rater,label" };
            string[] r1 = ["A", "A", "A", "A", "B", "B", "B", "B", "B", "B"];
            string[] r2 = ["A", "A", "A", "B", "A", "A", "B", "B", "B", "B"];
            for (int i = 0; i < 10; i++) { lines.Add($"q{i},human,{r1[i]}"); lines.Add($"q{i},gpt4,{r2[i]}"); }
            File.WriteAllLines(path, lines);
            var rep = RatingSet.Load(path).Compute();
            Assert.Equal(10, rep.Items);
            Assert.Equal(2, rep.Raters);
            Assert.Equal(10 / Math.Sqrt(600), rep.Phi!.Value, 12);
            Assert.Equal(10, rep.PhiItems);
            // κ by hand: P̄ = 7/10 agreeing items; shares A = 9/20, B = 11/20 → P̄e = (81 + 121)/400.
            double pe = 202.0 / 400;
            Assert.Equal((0.7 - pe) / (1 - pe), rep.FleissKappa, 12);

            File.AppendAllText(path, "q0,human,B\n");
            var e = Assert.Throws<InputException>(() => RatingSet.Load(path));
            Assert.Equal(21, e.Row);
        }
        finally { dir.Delete(true); }
    }
}
