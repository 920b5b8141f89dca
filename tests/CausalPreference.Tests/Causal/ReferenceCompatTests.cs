using CausalPreference.Causal;
using TorchSharp;
using static TorchSharp.torch;

namespace CausalPreference.Tests.Causal;

/// <summary>Double-precision test vectors of the reference-compat losses (n = 1000) and the reference sequence score; quirks checked against naive loops.</summary>
public class ReferenceCompatTests
{
    static readonly double[] Lf = { -50, -60, -55, -70 };
    static readonly double[] L0 = { -52, -58, -55, -71 };
    static readonly double[] Y = { 60, 20, 80, 40 };
    static readonly double[] G = { 55, 30, 70, 45 };
    static readonly double[] LfT = { -40, -45, -42, -48 };
    static readonly double[] L0T = { -41, -44, -42, -50 };
    static readonly double[] GT = { 50, 35, 65, 40 };

    static double Loss(ReferenceCompatOptions o, double[]? gt = null, double[]? y = null)
    {
        using var scope = NewDisposeScope();
        var loss = ReferenceCompat.Loss(tensor(Lf), tensor(L0), tensor(y ?? Y), tensor(G), o,
            tensor(LfT), tensor(L0T), tensor(gt ?? GT));
        return loss.item<double>();
    }

    [Fact]
    public void CpoLossMatchesSpec() => Assert.Equal(9.453136580e-3, Loss(ReferenceCompatOptions.Cpo(1000)), 1e-12);

    [Fact]
    public void OoRlhfLossMatchesSpec() => Assert.Equal(11.096786, Loss(ReferenceCompatOptions.OoRlhf(1000)), 1e-6);

    [Fact]
    public void DrCpoLossMatchesSpec() => Assert.Equal(11.097577, Loss(ReferenceCompatOptions.DrCpo(1000)), 1e-6);

    [Fact]
    public void UsePrEstLossesMatchSpec()
    {
        Assert.Equal(14.115445, Loss(ReferenceCompatOptions.Cpo(1000) with { UsePrEst = true }), 1e-6);
        Assert.Equal(11.808372, Loss(ReferenceCompatOptions.DrCpo(1000) with { UsePrEst = true }), 1e-6);
    }

    [Fact]
    public void HigherOutcomeBetterNegatesTheLoss() =>
        Assert.Equal(-11.097577, Loss(ReferenceCompatOptions.DrCpo(1000) with { HigherOutcomeBetter = true }), 1e-6);

    [Theory]
    [InlineData(false, false)]
    [InlineData(true, false)]
    [InlineData(true, true)]
    public void StabilizeMatchesNaiveLoopIncludingTheOutcomeQuirk(bool usePrEst, bool paired)
    {
        // Residuals of both signs so that min(·) picks different branches.
        double[] y = { 60, 20, 80, 40 }, g = { 55, 30, 70, 45 };
        var o = new ReferenceCompatOptions(1000, paired, UsePrEst: usePrEst, Stabilize: true);
        double actual = Loss(o, y: y);

        var s = Softmax(Sub(Lf, L0));
        var q = Softmax(L0);
        var st = Softmax(Sub(LfT, L0T));
        double total = 0;
        for (int i = 0; i < 4; i++)
        {
            double r = usePrEst ? s[i] : s[i] * q[i] / 1000;
            double rc = Math.Clamp(r, 0.8, 1.2);
            double ipw = Math.Min(r * (y[i] - g[i]), rc * (y[i] - g[i]));
            double rlhf = paired
                ? Math.Min(st[i] * GT[i], Math.Clamp(st[i], 0.8, 1.2) * GT[i])
                : Math.Min(r * g[i], rc * y[i]); // the reference mixes Y into the clamped branch
            total += rlhf + ipw;
        }
        Assert.Equal(total / 4, actual, 10);
    }

    [Fact]
    public void NormIpwTermDisablesTheClampOnly()
    {
        var plain = Loss(ReferenceCompatOptions.Cpo(1000) with { UsePrEst = true });
        var normIpw = Loss(ReferenceCompatOptions.Cpo(1000) with { UsePrEst = true, Stabilize = true, NormIpwTerm = true });
        Assert.Equal(plain, normIpw, 12);
    }

    [Fact]
    public void NormRlhfTermMultipliesByReferenceSoftmax()
    {
        var o = ReferenceCompatOptions.OoRlhf(1000) with { NormRlhfTerm = true };
        var st = Softmax(Sub(LfT, L0T));
        var q = Softmax(L0T);
        double expected = Enumerable.Range(0, 4).Sum(i => st[i] * GT[i] * q[i]) / 4;
        Assert.Equal(expected, Loss(o), 12);
    }

    [Fact]
    public void PlusInfinityAndNaNRowsAreDroppedButMinusInfinityIsKept()
    {
        var st = Softmax(Sub(LfT, L0T));
        double[] gt = { double.PositiveInfinity, 35, 65, 40 };
        double expected = (st[1] * 35 + st[2] * 65 + st[3] * 40) / 3;
        Assert.Equal(expected, Loss(ReferenceCompatOptions.OoRlhf(1000), gt), 10);
        double[] gtNan = { double.NaN, 35, 65, 40 };
        Assert.Equal(expected, Loss(ReferenceCompatOptions.OoRlhf(1000), gtNan), 10);
        double[] gtNeg = { double.NegativeInfinity, 35, 65, 40 };
        Assert.Equal(double.NegativeInfinity, Loss(ReferenceCompatOptions.OoRlhf(1000), gtNeg));
    }

    [Fact]
    public void LossHasGradientToPolicyScores()
    {
        using var lf = tensor(Lf, requires_grad: true);
        using var l0 = tensor(L0);
        using var y = tensor(Y);
        using var g = tensor(G);
        using var loss = ReferenceCompat.Loss(lf, l0, y, g, ReferenceCompatOptions.Cpo(1000) with { UsePrEst = true });
        loss.backward();
        // d/dℓ^f_k of mean_i s_i Y_i = s_k (Y_k − Σ s Y) / 4 = (the self-normalized CPO gradient) / 4
        var grad = lf.grad!.data<double>().ToArray();
        double[] spec = { 2.325435, -0.438914, 2.093650, -3.980171 };
        for (int i = 0; i < 4; i++) Assert.Equal(spec[i] / 4, grad[i], 1e-6);
    }

    [Fact]
    public void SequenceScoreMatchesSpecExample()
    {
        using var logits = tensor(new double[] { 0, 0, 2, 1, 0, 0.5, 0, 3, 1, 1, 1, 1, 0, 4, 0, 0 }).reshape(1, 4, 4);
        using var ids = tensor(new long[] { 1, 2, 3, 1 }).reshape(1, 4);
        using var score = ReferenceCompat.SequenceScore(logits, ids);
        Assert.Equal(new long[] { 1 }, score.shape);
        Assert.Equal(5.0, score.item<double>(), 12);
    }

    [Fact]
    public void SequenceScoreIsPerRowForBatches()
    {
        var rng = new Random(3);
        var z = Enumerable.Range(0, 2 * 3 * 5).Select(_ => rng.NextDouble() * 4 - 2).ToArray();
        long[] idv = { 4, 0, 2, 1, 1, 3 };
        using var logits = tensor(z).reshape(2, 3, 5);
        using var ids = tensor(idv).reshape(2, 3);
        using var score = ReferenceCompat.SequenceScore(logits, ids);
        var got = score.data<double>().ToArray();
        for (int b = 0; b < 2; b++)
        {
            double expected = 0;
            for (int t = 0; t < 3; t++) expected += z[(b * 3 + t) * 5 + idv[b * 3 + t]];
            Assert.Equal(expected, got[b], 12);
        }
    }

    [Fact]
    public void EntropyBonusMatchesNaiveLoop()
    {
        double[] z = { 0, 0, 2, 1, 0, 0.5, 0, 3, 1, 1, 1, 1, 0, 4, 0, 0 };
        using var logits = tensor(z).reshape(1, 4, 4);
        using var h = ReferenceCompat.EntropyBonus(logits);
        double expected = 0;
        for (int t = 0; t < 4; t++)
        {
            var p = Softmax(z.Skip(4 * t).Take(4).ToArray());
            expected -= p.Sum(v => v * Math.Log(v));
        }
        Assert.Equal(expected / 4, h.item<double>(), 12);
    }

    [Fact]
    public void PairedWithoutTildeInputsThrows()
    {
        using var a = tensor(Lf);
        Assert.Throws<ArgumentException>(() => ReferenceCompat.Loss(a, a, a, a, ReferenceCompatOptions.DrCpo(1000)));
    }

    static double[] Softmax(double[] v)
    {
        double m = v.Max();
        var e = v.Select(x => Math.Exp(x - m)).ToArray();
        double s = e.Sum();
        return e.Select(x => x / s).ToArray();
    }

    static double[] Sub(double[] a, double[] b) => a.Select((v, i) => v - b[i]).ToArray();
}
