using CausalPreference.Causal;

namespace CausalPreference.Tests.Causal;

public class EstimatorsTests
{
    // ── Naive reference implementations (plain loops, c ≡ 1, the formulas as written in the brief) ──────────────
    static double Mean(double[] x) { double s = 0; foreach (var v in x) s += v; return s / x.Length; }
    static double Var(double[] x) { double m = Mean(x), s = 0; foreach (var v in x) s += (v - m) * (v - m); return s / (x.Length - 1); }
    static double Sd(double[] x) => Math.Sqrt(Var(x));

    static LoggedSample RandomSample(int seed, int n = 60, int m = 40, double[]? weights = null)
    {
        var r = new Random(seed);
        double[] lp = new double[n], ll = new double[n], y = new double[n], g = new double[n], gt = new double[m];
        for (int i = 0; i < n; i++)
        {
            ll[i] = -20 - 5 * r.NextDouble();
            lp[i] = ll[i] + (r.NextDouble() * 2 - 1);
            y[i] = 10 * r.NextDouble();
            g[i] = y[i] + (r.NextDouble() * 4 - 2);
        }
        for (int j = 0; j < m; j++) gt[j] = 10 * r.NextDouble();
        return new LoggedSample(lp, ll, y, g, gt, weights);
    }

    static double[] W(LoggedSample s) => s.PolicyLogp.Select((v, i) => Math.Exp(v - s.ReferenceLogp[i])).ToArray();

    [Fact]
    public void AllEstimatorsMatchNaiveLoops()
    {
        var s = RandomSample(1);
        var w = W(s);
        int n = s.N, m = s.OutcomeHatTilde!.Length;
        var wy = w.Select((v, i) => v * s.Outcome[i]).ToArray();
        var resid = w.Select((v, i) => v * (s.Outcome[i] - s.OutcomeHat![i])).ToArray();
        double dm = Mean(s.OutcomeHatTilde);

        double ipw = Mean(wy), ipwSe = Sd(wy) / Math.Sqrt(n);
        double sn = wy.Sum() / w.Sum();
        double snSe = Sd(w.Select((v, i) => v * (s.Outcome[i] - sn)).ToArray()) / (Mean(w) * Math.Sqrt(n));
        double dmSe = Sd(s.OutcomeHatTilde) / Math.Sqrt(m);
        double dr = dm + Mean(resid), drSe = Math.Sqrt(Var(resid) / n + Var(s.OutcomeHatTilde) / m);
        double corr = resid.Sum() / w.Sum();
        double sndr = dm + corr;
        double sndrSe = Math.Sqrt(Var(w.Select((v, i) => v * (s.Outcome[i] - s.OutcomeHat![i] - corr)).ToArray()) / (Mean(w) * Mean(w) * n)
                                  + Var(s.OutcomeHatTilde) / m);

        var expected = new Dictionary<string, (double V, double Se)>
        {
            ["IPW"] = (ipw, ipwSe), ["SNIPW"] = (sn, snSe), ["DM"] = (dm, dmSe), ["DR"] = (dr, drSe), ["SNDR"] = (sndr, sndrSe),
        };
        foreach (var est in Estimators.All)
        {
            var e = est.Estimate(s);
            var (v, se) = expected[est.Name];
            Assert.Equal(est.Name, e.Name);
            Assert.Equal(v, e.Estimate, 10);
            Assert.Equal(se, e.StdError, 10);
            Assert.Equal(v - 1.959963984540054 * se, e.CiLow, 10);
            Assert.Equal(v + 1.959963984540054 * se, e.CiHigh, 10);
            Assert.Equal("influence-function", e.CiMethod);
            Assert.Equal(0, e.Clipped);
            Assert.Empty(e.Warnings);
        }
    }

    [Fact]
    public void IntegerRowWeightsEqualDuplicatedRows()
    {
        var baseSample = RandomSample(2, n: 5, m: 7);
        double[] c = { 2, 1, 3, 0, 1 };
        var weighted = baseSample with { Weights = c };
        var idx = Enumerable.Range(0, 5).SelectMany(i => Enumerable.Repeat(i, (int)c[i])).ToArray();
        var duplicated = new LoggedSample(idx.Select(i => baseSample.PolicyLogp[i]).ToArray(),
            idx.Select(i => baseSample.ReferenceLogp[i]).ToArray(), idx.Select(i => baseSample.Outcome[i]).ToArray(),
            idx.Select(i => baseSample.OutcomeHat![i]).ToArray(), baseSample.OutcomeHatTilde);
        foreach (var est in Estimators.All)
            Assert.Equal(est.Estimate(duplicated).Estimate, est.Estimate(weighted).Estimate, 10);
    }

    [Fact]
    public void SimulatedDiscreteWorldRecoversTheTruth()
    {
        // 5 texts; known logging P^R, model P^f and mean outcome g. Truth V(f) = Σ P^f g = 3.8.
        double[] pr = { 0.3, 0.25, 0.2, 0.15, 0.1 }, pf = { 0.05, 0.1, 0.2, 0.3, 0.35 }, g = { 1, 2, 3, 4, 5 };
        double truth = pf.Select((p, k) => p * g[k]).Sum();
        var rng = new Random(20240402);
        int n = 20000, m = 20000;
        var lp = new double[n]; var ll = new double[n]; var y = new double[n]; var gh = new double[n]; var gt = new double[m];
        for (int i = 0; i < n; i++)
        {
            int x = Draw(rng, pr);
            lp[i] = Math.Log(pf[x]); ll[i] = Math.Log(pr[x]);
            y[i] = g[x] + Normal(rng);
            gh[i] = g[x] + 0.5; // misspecified outcome model
        }
        for (int j = 0; j < m; j++) gt[j] = g[Draw(rng, pf)] + 0.5;
        var s = new LoggedSample(lp, ll, y, gh, gt);
        foreach (var est in new[] { Estimators.Ipw, Estimators.Snipw, Estimators.DoublyRobust, Estimators.SelfNormalizedDoublyRobust })
        {
            var e = est.Estimate(s);
            Assert.True(Math.Abs(e.Estimate - truth) < 4 * e.StdError, $"{est.Name}: {e.Estimate} ± {e.StdError} vs truth {truth}");
            Assert.True(e.StdError < 0.05, $"{est.Name}: SE {e.StdError} unexpectedly large");
        }
        // The direct method inherits ĝ's bias (+0.5): DR corrects it, DM cannot.
        var dm = Estimators.DirectMethod.Estimate(s);
        Assert.True(Math.Abs(dm.Estimate - truth - 0.5) < 4 * dm.StdError);
        Assert.True(Math.Abs(dm.Estimate - truth) > 4 * dm.StdError);
    }

    [Fact]
    public void PoorOverlapWarnsAndCanRefuse()
    {
        int n = 20;
        var lp = Enumerable.Range(0, n).Select(i => i == 0 ? 0.0 : -50.0).ToArray();
        var ll = Enumerable.Repeat(-3.0, n).ToArray();
        var y = Enumerable.Range(0, n).Select(i => (double)i).ToArray();
        var s = new LoggedSample(lp, ll, y, y, new double[] { 1, 2 });
        var e = Estimators.Snipw.Estimate(s);
        var warning = Assert.Single(e.Warnings);
        Assert.Contains("only 1 effective samples of 20", warning);
        Assert.Contains("the model puts its mass where the logged data has little: estimates are unreliable", warning);
        Assert.True(e.Diagnostics!.EssFraction < 0.1);
        var ex = Assert.Throws<InvalidOperationException>(() =>
            Estimators.DoublyRobust.Estimate(s, new EstimateOptions(RefuseOnPoorOverlap: true)));
        Assert.Contains("effective samples", ex.Message);
        Assert.Empty(Estimators.DirectMethod.Estimate(s, new EstimateOptions(RefuseOnPoorOverlap: true)).Warnings);
    }

    [Fact]
    public void ClippingOnlyWhenAskedAndCounted()
    {
        // w = [4, 1, 0.5] → clipped at 2: [2, 1, 0.5].
        var s = new LoggedSample(new[] { Math.Log(4), 0, Math.Log(0.5) }, new double[] { 0, 0, 0 }, new double[] { 1, 2, 3 });
        var plain = Estimators.Ipw.Estimate(s);
        Assert.Equal((4 * 1 + 1 * 2 + 0.5 * 3) / 3.0, plain.Estimate, 12);
        Assert.Equal(0, plain.Clipped);
        var clipped = Estimators.Ipw.Estimate(s, new EstimateOptions(MaxWeight: 2));
        Assert.Equal((2 * 1 + 1 * 2 + 0.5 * 3) / 3.0, clipped.Estimate, 12);
        Assert.Equal(1, clipped.Clipped);
        Assert.Equal(1, clipped.Diagnostics!.ClippedCount);
        Assert.Contains(clipped.Warnings, w => w.Contains("clipped at MaxWeight = 2"));
        var sn = Estimators.Snipw.Estimate(s, new EstimateOptions(MaxWeight: 2));
        Assert.Equal((2 * 1 + 1 * 2 + 0.5 * 3) / 3.5, sn.Estimate, 12);
    }

    [Fact]
    public void PairedDifferenceMatchesNaiveLoops()
    {
        var a = RandomSample(5, n: 50, m: 30);
        var rb = new Random(9);
        var b = a with
        {
            PolicyLogp = a.ReferenceLogp.Select(v => v + rb.NextDouble() - 0.5).ToArray(),
            OutcomeHatTilde = Enumerable.Range(0, 25).Select(_ => 10 * rb.NextDouble()).ToArray(),
        };
        var wa = W(a); var wb = W(b);
        int n = a.N;

        var d = wa.Select((v, i) => (v - wb[i]) * a.Outcome[i]).ToArray();
        var ipw = Estimators.Difference(Estimators.Ipw, a, b);
        Assert.Equal(Mean(d), ipw.Estimate, 10);
        Assert.Equal(Sd(d) / Math.Sqrt(n), ipw.StdError, 10);

        var dr = wa.Select((v, i) => (v - wb[i]) * (a.Outcome[i] - a.OutcomeHat![i])).ToArray();
        var ga = a.OutcomeHatTilde!; var gb = b.OutcomeHatTilde!;
        var drDiff = Estimators.Difference(Estimators.DoublyRobust, a, b);
        Assert.Equal(Mean(ga) - Mean(gb) + Mean(dr), drDiff.Estimate, 10);
        Assert.Equal(Math.Sqrt(Var(dr) / n + Var(ga) / ga.Length + Var(gb) / gb.Length), drDiff.StdError, 10);
        Assert.Equal(Estimators.DoublyRobust.Estimate(a).Estimate - Estimators.DoublyRobust.Estimate(b).Estimate, drDiff.Estimate, 10);

        var self = Estimators.Difference(Estimators.Snipw, a, a);
        Assert.Equal(0.0, self.Estimate);
        Assert.Equal(0.0, self.StdError);
    }

    [Fact]
    public void DifferenceRejectsDifferentRows()
    {
        var a = RandomSample(5);
        var b = a with { Outcome = a.Outcome.Select(v => v + 1).ToArray() };
        Assert.Throws<ArgumentException>(() => Estimators.Difference(Estimators.Ipw, a, b));
    }

    [Fact]
    public void BootstrapIsSeededAndAgreesWithInfluenceFunction()
    {
        var s = RandomSample(7, n: 400, m: 300);
        var opts = new EstimateOptions(Ci: CiMethod.Bootstrap, BootstrapResamples: 400, Seed: 11);
        foreach (var est in Estimators.All)
        {
            var b1 = est.Estimate(s, opts);
            var b2 = est.Estimate(s, opts);
            var inf = est.Estimate(s);
            Assert.Equal("bootstrap", b1.CiMethod);
            Assert.Equal(b1.CiLow, b2.CiLow);
            Assert.Equal(b1.CiHigh, b2.CiHigh);
            Assert.Equal(inf.Estimate, b1.Estimate);
            Assert.InRange(b1.StdError / inf.StdError, 0.75, 1.33);
            Assert.True(b1.CiLow < b1.Estimate && b1.Estimate < b1.CiHigh);
        }
        var other = RandomSample(8, n: 400, m: 300) with
        {
            ReferenceLogp = s.ReferenceLogp, Outcome = s.Outcome, OutcomeHat = s.OutcomeHat,
        };
        var diff = Estimators.Difference(Estimators.DoublyRobust, s, other, opts);
        var diffIf = Estimators.Difference(Estimators.DoublyRobust, s, other);
        Assert.InRange(diff.StdError / diffIf.StdError, 0.75, 1.33);
    }

    [Fact]
    public void ExtremeInputsGiveFiniteEstimates()
    {
        var lp = new double[] { 1000, -1000, 0, 500 };
        var ll = new double[] { 0, 0, 0, 0 };
        var y = new double[] { 1e6, -1e6, 3, 1e6 };
        var s = new LoggedSample(lp, ll, y, new double[] { -1e6, 1e6, 0, 1 }, new double[] { 1e6, -1e6, 5 });
        foreach (var est in Estimators.All)
        {
            var e = est.Estimate(s);
            Assert.True(double.IsFinite(e.Estimate), $"{est.Name}: {e.Estimate}");
            Assert.True(double.IsFinite(e.StdError), $"{est.Name}: SE {e.StdError}");
            Assert.True(double.IsFinite(e.CiLow) && double.IsFinite(e.CiHigh));
            if (est.Name is "IPW" or "DR")
            {
                Assert.True(e.Clipped >= 1);
                Assert.Contains(e.Warnings, w => w.Contains("overflow guard"));
            }
        }
        Assert.Equal(1e6, Estimators.Snipw.Estimate(s).Estimate, 6); // all weight on the log-ratio-1000 row
    }

    [Fact]
    public void SingleRowGivesEstimateAndNaNErrorWithWarning()
    {
        var s = new LoggedSample(new double[] { -2 }, new double[] { -3 }, new double[] { 4 }, new double[] { 1 }, new double[] { 2 });
        foreach (var est in Estimators.All)
        {
            var e = est.Estimate(s);
            Assert.True(double.IsFinite(e.Estimate));
            Assert.True(double.IsNaN(e.StdError));
            Assert.Contains(e.Warnings, w => w.Contains("at least two"));
        }
        Assert.Equal(Math.E * 4, Estimators.Ipw.Estimate(s).Estimate, 12);
        Assert.Equal(4, Estimators.Snipw.Estimate(s).Estimate, 12);
        Assert.Equal(2 + Math.E * 3, Estimators.DoublyRobust.Estimate(s).Estimate, 12);
        Assert.Equal(2 + 3, Estimators.SelfNormalizedDoublyRobust.Estimate(s).Estimate, 12);
    }

    [Fact]
    public void IdenticalRowsGiveZeroError()
    {
        var rep = (double v) => Enumerable.Repeat(v, 6).ToArray();
        var s = new LoggedSample(rep(-10), rep(-10), rep(3), rep(3), rep(3));
        foreach (var est in Estimators.All)
        {
            var e = est.Estimate(s);
            Assert.Equal(3.0, e.Estimate, 12);
            Assert.Equal(0.0, e.StdError);
            Assert.Equal(6.0, e.Diagnostics!.Ess, 12);
        }
    }

    [Fact]
    public void InvalidInputsThrowWithGuidance()
    {
        var s = RandomSample(3);
        Assert.Contains("OutcomeHat", Assert.Throws<ArgumentException>(() =>
            Estimators.DoublyRobust.Estimate(s with { OutcomeHat = null })).Message);
        Assert.Contains("OutcomeHatTilde", Assert.Throws<ArgumentException>(() =>
            Estimators.DirectMethod.Estimate(s with { OutcomeHatTilde = null })).Message);
        Assert.Throws<ArgumentException>(() => Estimators.Ipw.Estimate(s with { Outcome = s.Outcome.Take(3).ToArray() }));
        var badLogging = s.ReferenceLogp.ToArray(); badLogging[0] = double.NegativeInfinity;
        Assert.Throws<ArgumentException>(() => Estimators.Ipw.Estimate(s with { ReferenceLogp = badLogging }));
        Assert.Throws<ArgumentException>(() => Estimators.Ipw.Estimate(s, new EstimateOptions(MaxWeight: 0)));
        Assert.Throws<ArgumentException>(() => Estimators.Ipw.Estimate(s with { Weights = Enumerable.Repeat(-1.0, s.N).ToArray() }));
        Assert.Equal("SNDR", Estimators.ByName("sndr").Name);
        Assert.Throws<ArgumentException>(() => Estimators.ByName("nope"));
    }

    [Fact]
    public void ZeroPolicyProbabilityEverywhereIsAnErrorForSelfNormalized()
    {
        var s = new LoggedSample(new[] { double.NegativeInfinity, double.NegativeInfinity }, new double[] { 0, 0 }, new double[] { 1, 2 });
        Assert.Equal(0.0, Estimators.Ipw.Estimate(s).Estimate);
        Assert.Throws<InvalidOperationException>(() => Estimators.Snipw.Estimate(s));
    }

    static int Draw(Random rng, double[] p)
    {
        double u = rng.NextDouble(), c = 0;
        for (int k = 0; k < p.Length; k++) { c += p[k]; if (u < c) return k; }
        return p.Length - 1;
    }

    static double Normal(Random rng) =>
        Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());
}
