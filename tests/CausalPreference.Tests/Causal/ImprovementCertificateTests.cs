using CausalPreference.Causal;

namespace CausalPreference.Tests.Causal;

public class ImprovementCertificateTests
{
    [Fact]
    public void MatchesAHandComputationOnFourRows()
    {
        // ratios written out directly: r^f = (2, 0.5, 1, 1), r^FT = (1, 1, 0.5, 2); Y − c with c = 1: (4, 2, 3, 1)
        double[] design = [Math.Log(0.1), Math.Log(0.2), Math.Log(0.4), Math.Log(0.3)];
        double[] policy = [Math.Log(0.2), Math.Log(0.1), Math.Log(0.4), Math.Log(0.3)];
        double[] ft = [Math.Log(0.1), Math.Log(0.2), Math.Log(0.2), Math.Log(0.6)];
        double[] y = [5, 3, 4, 2];
        double[] t = [(2 - 1) * 4.0, (0.5 - 1) * 2.0, (1 - 0.5) * 3.0, (1 - 2) * 1.0]; // 4, −1, 1.5, −1
        double mean = (4 - 1 + 1.5 - 1) / 4.0;
        double sd = Math.Sqrt(t.Sum(v => (v - mean) * (v - mean)) / 3);
        var c = ImprovementCertificate.Compute(policy, ft, design, y, floor: 1);
        Assert.Equal(mean, c.Improvement, 12);
        Assert.Equal(sd / 2, c.StdError, 12);
        Assert.Equal(mean - 1.96 * sd / 2, c.Lower, 12);
        Assert.Equal(4, c.Rows);
        Assert.True(c.DesignProbabilities);
        // Kish ESS of r^f = (2, .5, 1, 1): 4.5² / (4 + .25 + 1 + 1) = 3.24 of 4
        Assert.Equal(20.25 / 6.25 / 4, c.EssFraction, 12);

        // Without design probabilities FT stands in for P^R: r^FT = 1, r^f = P^f / P^FT
        var m = ImprovementCertificate.Compute(policy, ft, null, y, floor: 1);
        double[] tm = [(2 - 1) * 4.0, (0.5 - 1) * 2.0, (2 - 1) * 3.0, (0.5 - 1) * 1.0];
        Assert.Equal(tm.Average(), m.Improvement, 12);
        Assert.False(m.DesignProbabilities);
    }

    [Fact]
    public void IsUnbiasedForTheImprovementWhenTextOffTheSupportGetsTheFloor()
    {
        // Support {0, 1, 2} with P^R; FT and the policy both leak mass to text the data never shows (outcome = floor).
        double[] pr = [0.5, 0.3, 0.2], ft = [0.45, 0.25, 0.2], f = [0.2, 0.3, 0.4], g = [2.0, 3.0, 6.0];
        double floor = 1.0;
        double V(double[] p) => p.Select((q, i) => q * g[i]).Sum() + (1 - p.Sum()) * floor;
        double truth = V(f) - V(ft); // computed from the distributions, not by the estimator
        var rng = new Random(5);
        int reps = 4000, n = 50, covered = 0;
        double sum = 0;
        for (int r = 0; r < reps; r++)
        {
            var x = Enumerable.Range(0, n).Select(_ => { double u = rng.NextDouble(); return u < 0.5 ? 0 : u < 0.8 ? 1 : 2; }).ToArray();
            var y = x.Select(i => g[i] + (rng.NextDouble() - 0.5) * 2).ToArray();
            var c = ImprovementCertificate.Compute(x.Select(i => Math.Log(f[i])).ToArray(), x.Select(i => Math.Log(ft[i])).ToArray(),
                x.Select(i => Math.Log(pr[i])).ToArray(), y, floor);
            sum += c.Improvement;
            if (c.Lower <= truth) covered++;
        }
        Assert.InRange(sum / reps, truth - 0.02, truth + 0.02);
        Assert.InRange(covered / (double)reps, 0.96, 0.995); // the lower end of a two-sided 95% interval: about 97.5% one-sided
    }

    [Fact]
    public void SaysNotEstimableWhenOneRowCarriesTheWeights()
    {
        double[] design = Enumerable.Repeat(Math.Log(0.01), 20).ToArray();
        double[] ft = design.ToArray();
        double[] policy = design.Select((d, i) => i == 3 ? d + 30 : d).ToArray();
        double[] y = Enumerable.Range(0, 20).Select(i => (double)(i % 5)).ToArray();
        var c = ImprovementCertificate.Compute(policy, ft, design, y, 0);
        Assert.False(c.Estimable);
        Assert.False(c.Certified);
        Assert.StartsWith("improvement over FT not estimable", c.Statement);
        var same = ImprovementCertificate.Compute(ft, ft, design, y, 0);
        Assert.Equal(0, same.Improvement, 12);
        Assert.StartsWith("no certified improvement", same.Statement);
        Assert.Throws<ArgumentException>(() => ImprovementCertificate.Compute([0.0], [0.0], null, [1.0], 0));
        Assert.Throws<ArgumentException>(() => ImprovementCertificate.Compute([0.0, double.NaN], [0.0, 0], null, [1.0, 2], 0));
    }
}
