using CausalPreference.Causal;
using static TorchSharp.torch;

namespace CausalPreference.Tests.Causal;

/// <summary>Weights normalized within experiments: the objective, its diagnostics and the certificate, against hand computations.</summary>
public class WithinExperimentTests
{
    // two experiments: rows 0,1,2 (experiment 7) and rows 3,4 (experiment 2); ids need not be 0..G−1
    static readonly int[] Groups = [7, 7, 7, 2, 2];
    static readonly double[] D = [0.0, Math.Log(2), Math.Log(5), Math.Log(3), 0.0]; // log-ratios: ratios 1, 2, 5 | 3, 1
    static readonly double[] Y = [1.0, 4.0, 2.0, 6.0, 2.0];

    [Fact]
    public void CpoSelfNormalizesInsideEachExperimentAndAveragesTheExperiments()
    {
        // experiment 7: weights (1, 2, 5)/8 → (1 + 8 + 10)/8 = 19/8; experiment 2: (3, 1)/4 → (18 + 2)/4 = 5; mean = (19/8 + 5)/2
        double expected = (19.0 / 8 + 5.0) / 2;
        using var lp = tensor(D, requires_grad: true);
        var r = Objectives.Compute(ObjectiveKind.Cpo, new ObjectiveInputs(lp, zeros(5, ScalarType.Float64), tensor(Y), Groups: Groups));
        Assert.Equal(expected, r.Value.item<double>(), 12);
        // the pooled scope over all five rows differs: ratios (1, 2, 5, 3, 1)/12
        var pooled = Objectives.Compute(ObjectiveKind.Cpo, new ObjectiveInputs(lp, zeros(5, ScalarType.Float64), tensor(Y)));
        Assert.Equal((1.0 + 8 + 10 + 18 + 2) / 12, pooled.Value.item<double>(), 12);

        // gradient of the within value wrt d_i: (1/G) w_i (Y_i − V_e)
        r.Loss.backward();
        var grad = lp.grad!.data<double>().ToArray();
        double v7 = 19.0 / 8, v2 = 5.0;
        double[] w = [1 / 8.0, 2 / 8.0, 5 / 8.0, 3 / 4.0, 1 / 4.0];
        double[] ve = [v7, v7, v7, v2, v2];
        for (int i = 0; i < 5; i++) Assert.Equal(-0.5 * w[i] * (Y[i] - ve[i]), grad[i], 12);
    }

    [Fact]
    public void HorvitzThompsonAveragesEachExperimentsOwnMean()
    {
        // experiment 7: (1·1 + 2·4 + 5·2)/3 = 19/3; experiment 2: (3·6 + 1·2)/2 = 10
        using var lp = tensor(D);
        var r = Objectives.Compute(ObjectiveKind.Cpo, new ObjectiveInputs(lp, zeros(5, ScalarType.Float64), tensor(Y), Groups: Groups),
            new ObjectiveOptions(WeightNormalization.HorvitzThompson));
        Assert.Equal((19.0 / 3 + 10.0) / 2, r.Value.item<double>(), 12);
    }

    [Fact]
    public void DrCpoCorrectsWithinExperimentsAndKeepsTheUnlabeledTermPooled()
    {
        double[] gHat = [1.0, 1.0, 1.0, 2.0, 2.0];
        // residuals (0, 3, 1 | 4, 0): experiment 7 → (0 + 6 + 5)/8 = 11/8, experiment 2 → 12/4 = 3; X̃ term: ratios (1, 3) on ĝ (2, 6) → (2 + 18)/4 = 5
        using var lp = tensor(D);
        var r = Objectives.Compute(ObjectiveKind.DrCpo, new ObjectiveInputs(lp, zeros(5, ScalarType.Float64), tensor(Y), tensor(gHat),
            tensor(new[] { 0.0, Math.Log(3) }), zeros(2, ScalarType.Float64), tensor(new[] { 2.0, 6.0 }), Groups));
        Assert.Equal((11.0 / 8 + 3.0) / 2 + 5.0, r.Value.item<double>(), 12);
    }

    [Fact]
    public void GroupsOfTheWrongLengthAreRefused()
    {
        using var lp = tensor(D);
        Assert.Throws<ArgumentException>(() => Objectives.Compute(ObjectiveKind.Cpo, new ObjectiveInputs(lp, zeros(5, ScalarType.Float64), tensor(Y), Groups: [1, 2])));
    }

    [Fact]
    public void GroupedDiagnosticsSumTheExperimentsEffectiveRows()
    {
        // experiment 7: (1 + 2 + 5)² / (1 + 4 + 25) = 64/30; experiment 2: 16/10
        var d = WeightDiagnostics.FromGroupedLogWeights(D, [[0, 1, 2], [3, 4]]);
        Assert.Equal(64.0 / 30 + 1.6, d.Ess, 12);
        Assert.Equal((64.0 / 30 + 1.6) / 5, d.EssFraction, 12);
        Assert.Equal(0.75 / 2, d.MaxNormalizedWeight, 12); // row 3 holds 3/4 of experiment 2, each experiment 1/2 of the total
        Assert.Equal(Math.Log(5), d.LogWeightMax, 12);
    }

    [Fact]
    public void CertificateWithinExperimentsMatchesAHandComputation()
    {
        // three experiments of two rows; design 1/2 each; policy − FT log-ratios give within-experiment policy shares
        int[] g = [0, 0, 1, 1, 2, 2];
        double[] y = [1, 3, 2, 2, 5, 1];
        double[] ft = [-10, -12, -8, -9, -11, -11];
        double[] design = Enumerable.Repeat(Math.Log(0.5), 6).ToArray();
        double[] tilt = [0, Math.Log(3), Math.Log(2), 0, 0, 0]; // ratios f/FT: (1, 3) | (2, 1) | (1, 1)
        double[] policy = ft.Select((v, i) => v + tilt[i]).ToArray();
        // V_e(f) − V_e(FT): (1·1 + 3·3)/4 − 2 = 0.5;  (2·2 + 1·2)/3 − 2 = 0;  3 − 3 = 0
        double[] delta = [0.5, 0, 0];
        double mean = delta.Average(), sd = Math.Sqrt(delta.Sum(v => (v - mean) * (v - mean)) / 2);
        var c = ImprovementCertificate.ComputeWithinExperiments(policy, ft, design, y, g);
        Assert.Equal(mean, c.Improvement, 12);
        Assert.Equal(sd / Math.Sqrt(3), c.StdError, 12);
        Assert.Equal(3, c.Experiments);
        Assert.Equal(6, c.Rows);
        // ESS: (1+3)²/(1+9) = 1.6, (2+1)²/5 = 1.8, 2 → 5.4 of 6
        Assert.Equal(5.4 / 6, c.EssFraction, 12);
        Assert.Contains("3 experiments", c.Statement);
        // retained mass: mean of P^f/P^FT = (1 + 3 + 2 + 1 + 1 + 1)/6
        Assert.Equal(9.0 / 6, c.RetainedMass!.Value, 12);
    }

    [Fact]
    public void CertificateWithinExperimentsIsUnbiasedAndCovers()
    {
        // a population of experiments, each testing 3 texts with true means; Y = true mean + noise; the policy's shares fixed
        var rng = new Random(3);
        int reps = 3000, covered = 0;
        double[] tilt = [Math.Log(3), 0, Math.Log(0.5)];
        double[] gTrue = [4, 2, 1];
        double[] share = tilt.Select(Math.Exp).ToArray();
        double truth = share.Select((s, i) => s * gTrue[i]).Sum() / share.Sum() - gTrue.Average();
        double sum = 0;
        for (int r = 0; r < reps; r++)
        {
            int e = 20;
            var g = new int[3 * e]; var y = new double[3 * e]; var ft = new double[3 * e]; var pol = new double[3 * e]; var des = new double[3 * e];
            for (int k = 0; k < 3 * e; k++)
            {
                g[k] = k / 3; ft[k] = -20 * rng.NextDouble(); pol[k] = ft[k] + tilt[k % 3]; des[k] = Math.Log(1 / 3.0);
                y[k] = gTrue[k % 3] + 2 * (rng.NextDouble() - 0.5) * 3;
            }
            var c = ImprovementCertificate.ComputeWithinExperiments(pol, ft, des, y, g);
            sum += c.Improvement;
            if (c.Lower <= truth && truth <= c.Upper) covered++;
        }
        Assert.Equal(truth, sum / reps, 2);
        Assert.InRange(covered / (double)reps, 0.93, 0.97);
    }
}
