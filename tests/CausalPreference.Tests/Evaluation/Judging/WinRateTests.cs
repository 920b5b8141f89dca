using CausalPreference.Evaluation.Judging;

namespace CausalPreference.Tests.Evaluation.Judging;

public class WinRateTests
{
    /// <summary>Naive reference: mean and ddof-1 standard error of the 0/1 vector, by explicit loops.</summary>
    static (double Mean, double Se) Naive(int wins, int n)
    {
        var x = new double[n];
        for (int i = 0; i < wins; i++) x[i] = 1;
        double mean = 0; foreach (var v in x) mean += v; mean /= n;
        double ss = 0; foreach (var v in x) ss += (v - mean) * (v - mean);
        return (mean, Math.Sqrt(ss / (n - 1)) / Math.Sqrt(n));
    }

    [Fact]
    public void SpecVector2000Pairs()
    {
        // The paper's Table 3: p̂ = 0.560, N = 2000 → SE 0.011102 → [0.538, 0.582] (Table 3, DR-CPO vs OO-RLHF, Hate Speech).
        var judgments = Enumerable.Repeat(Judgment.Win, 1120).Concat(Enumerable.Repeat(Judgment.Loss, 880)).ToList();
        var w = WinRate.Compute(judgments);
        Assert.Equal(0.560, w.Rate, 12);
        Assert.Equal(0.011102, w.StandardError, 6);
        Assert.Equal(0.538, Math.Round(w.Lower, 3));
        Assert.Equal(0.582, Math.Round(w.Upper, 3));
        Assert.True(w.Significant);
        var (mean, se) = Naive(1120, 2000);
        Assert.Equal(mean, w.Rate, 12);
        Assert.Equal(se, w.StandardError, 12);
    }

    [Fact]
    public void SpecVector600PairsAndConfoundingImpact()
    {
        // The paper's Table 4: p̂ = 0.546, N = 600 → [0.506, 0.586]; Table 4 impact −0.046 [−0.086, −0.006].
        var w = WinRate.FromProportion(0.546, 600);
        Assert.Equal(0.506, Math.Round(w.Lower, 3));
        Assert.Equal(0.586, Math.Round(w.Upper, 3));
        Assert.Equal(Math.Sqrt(0.546 * 0.454 / 599), w.StandardError, 12);
        var impact = ConfoundingImpact.From(w);
        Assert.Equal(-0.046, impact.Impact, 12);
        Assert.Equal(-0.086, Math.Round(impact.Lower, 3));
        Assert.Equal(-0.006, Math.Round(impact.Upper, 3));
        Assert.True(impact.Significant);
        Assert.Equal(w.StandardError, impact.StandardError);
        // Table 4, CPO: 0.505 [0.465, 0.545] → −0.005 [−0.045, +0.035], not significant.
        var cpo = ConfoundingImpact.From(WinRate.FromProportion(0.505, 600));
        Assert.Equal(-0.045, Math.Round(cpo.Lower, 3));
        Assert.Equal(0.035, Math.Round(cpo.Upper, 3));
        Assert.False(cpo.Significant);
    }

    [Fact]
    public void InvalidJudgmentsAreExcludedAndCounted()
    {
        var judgments = new List<Judgment>();
        for (int i = 0; i < 30; i++) judgments.Add(Judgment.Win);
        for (int i = 0; i < 20; i++) judgments.Add(Judgment.Loss);
        for (int i = 0; i < 7; i++) judgments.Add(Judgment.Invalid);
        var w = WinRate.Compute(judgments);
        Assert.Equal(50, w.Valid);
        Assert.Equal(7, w.Invalid);
        Assert.Equal(57, w.Total);
        Assert.Equal(0.6, w.Rate, 12);
        Assert.Equal(Naive(30, 50).Se, w.StandardError, 12);
    }

    [Fact]
    public void CiBelowHalfIsSignificantAndMirrorSumsToOne()
    {
        // Table 3: HK DR-CPO vs FT 0.477 [0.455, 0.499] lies below 0.5.
        var w = WinRate.FromCounts(954, 2000);
        Assert.True(w.Upper < 0.5);
        Assert.True(w.Significant);
        var m = w.Mirror();
        Assert.Equal(1.0, w.Rate + m.Rate, 12);
        Assert.Equal(1.0, w.Lower + m.Upper, 12);
        Assert.Equal(2000 - 954, m.Wins);
        Assert.False(WinRate.FromCounts(1036, 2000).Significant); // 0.518 [0.496, 0.540]
    }

    [Fact]
    public void DegenerateSizesGiveNanNotErrors()
    {
        var none = WinRate.Compute([Judgment.Invalid, Judgment.Invalid]);
        Assert.True(double.IsNaN(none.Rate));
        Assert.Equal(2, none.Invalid);
        Assert.False(none.Significant);
        var one = WinRate.Compute([Judgment.Win]);
        Assert.Equal(1.0, one.Rate);
        Assert.True(double.IsNaN(one.StandardError));
        Assert.False(one.Significant);
        Assert.Throws<ArgumentOutOfRangeException>(() => WinRate.FromCounts(5, 4));
    }
}
