using CausalPreference.Causal;

namespace CausalPreference.Tests.Causal;

public class WeightDiagnosticsTests
{
    [Fact]
    public void EqualWeightsHaveFullEss()
    {
        var d = WeightDiagnostics.FromLogWeights(new double[] { -7, -7, -7, -7 });
        Assert.Equal(4, d.N);
        Assert.Equal(4.0, d.Ess, 12);
        Assert.Equal(1.0, d.EssFraction, 12);
        Assert.Equal(0.25, d.MaxNormalizedWeight, 12);
        Assert.Equal(0.25, d.Top5PercentShare, 12);
        Assert.Equal(0.0, d.CoefficientOfVariation, 12);
        Assert.Equal(0, d.ClippedCount);
    }

    [Fact]
    public void KnownWeightsGiveKnownNumbersAndAreShiftInvariant()
    {
        // w = [1, 2, 3, 4]: (Σw)²/Σw² = 100/30; max share 0.4; CV = sqrt(1.25)/2.5 (population sd).
        foreach (double shift in new[] { 0.0, 900.0, -900.0 })
        {
            var d = WeightDiagnostics.FromLogWeights(new[] { 1.0, 2, 3, 4 }.Select(w => Math.Log(w) + shift).ToArray(), clipped: 2);
            Assert.Equal(100.0 / 30.0, d.Ess, 10);
            Assert.Equal(100.0 / 30.0 / 4, d.EssFraction, 10);
            Assert.Equal(0.4, d.MaxNormalizedWeight, 10);
            Assert.Equal(0.4, d.Top5PercentShare, 10);
            Assert.Equal(Math.Sqrt(1.25) / 2.5, d.CoefficientOfVariation, 10);
            Assert.Equal(shift, d.LogWeightMin, 9);
            Assert.Equal(Math.Log(4) + shift, d.LogWeightMax, 9);
            Assert.Equal(2, d.ClippedCount);
        }
    }

    [Fact]
    public void TopFivePercentUsesFloorWithAtLeastOne()
    {
        // n = 40 → k = 2: the two largest of 1..40 hold (39 + 40)/820.
        var d = WeightDiagnostics.FromLogWeights(Enumerable.Range(1, 40).Select(w => Math.Log(w)).ToArray());
        Assert.Equal(79.0 / 820.0, d.Top5PercentShare, 12);
        double sum = 820, sumSq = Enumerable.Range(1, 40).Sum(w => (double)w * w);
        Assert.Equal(sum * sum / sumSq, d.Ess, 10);
    }

    [Fact]
    public void ExtremeLogWeightsAreFinite()
    {
        var d = WeightDiagnostics.FromLogWeights(new double[] { 1000, -1000, 0, double.NegativeInfinity });
        Assert.Equal(1.0, d.Ess, 12);
        Assert.Equal(0.25, d.EssFraction, 12);
        Assert.Equal(1.0, d.MaxNormalizedWeight, 12);
        Assert.True(double.IsFinite(d.CoefficientOfVariation));
        Assert.Equal(Math.Sqrt(3), d.CoefficientOfVariation, 9); // CV² = n/ESS − 1
    }

    [Fact]
    public void SingleWeight()
    {
        var d = WeightDiagnostics.FromLogWeights(new double[] { 12.5 });
        Assert.Equal(1.0, d.Ess);
        Assert.Equal(1.0, d.MaxNormalizedWeight);
        Assert.Equal(1.0, d.Top5PercentShare);
    }

    [Fact]
    public void BadInputsThrow()
    {
        Assert.Throws<ArgumentException>(() => WeightDiagnostics.FromLogWeights(Array.Empty<double>()));
        Assert.Throws<ArgumentException>(() => WeightDiagnostics.FromLogWeights(new[] { 0.0, double.NaN }));
        Assert.Throws<ArgumentException>(() => WeightDiagnostics.FromLogWeights(new[] { double.PositiveInfinity }));
        Assert.Throws<ArgumentException>(() => WeightDiagnostics.FromLogWeights(new[] { 0.0 }, clipped: -1));
    }

    [Fact]
    public void AllZeroWeightsReportZeroEss()
    {
        var d = WeightDiagnostics.FromLogWeights(new[] { double.NegativeInfinity, double.NegativeInfinity });
        Assert.Equal(0.0, d.Ess);
        Assert.Equal(0.0, d.EssFraction);
    }
}
