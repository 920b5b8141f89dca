using CausalPreference.Data;
using CausalPreference.IO;
using CausalPreference.Simulation;
using Xunit.Abstractions;

namespace CausalPreference.Tests.Simulation;

public class WorldTests(ITestOutputHelper output)
{
    static readonly World Default = new();

    [Theory]
    [InlineData(OutcomeKind.Auto)]
    [InlineData(OutcomeKind.Binomial)]
    public void AWorldRefusesOutcomeKindsItCannotSimulate(OutcomeKind kind)
    {
        var e = Assert.Throws<InputException>(() => (WorldConfig.Default() with { Kind = kind }).Validate());
        Assert.Contains("continuous or binary", e.Message);
    }

    [Fact]
    public void GrammarEnumeratesEveryCombinationOnceAndProbabilitiesSumToOne()
    {
        var cfg = Default.Config;
        int expectedCount = cfg.Slots.Aggregate(1, (a, s) => a * s.Options.Count);
        Assert.Equal(500, expectedCount);
        Assert.Equal(expectedCount, Default.Grammar.Count);
        Assert.Equal(expectedCount, Default.Grammar.Select(g => g.Text).Distinct().Count());

        double total = Default.Grammar.Sum(g => Math.Exp(Default.LogPropensity(g.Text)));
        Assert.Equal(1.0, total, 12);

        // Independent: the product of the chosen options' probabilities, read off the config.
        foreach (var g in Default.Grammar)
        {
            double p = 1;
            for (int s = 0; s < cfg.Slots.Count; s++) p *= cfg.Slots[s].Options[g.Choices[s]].Probability;
            Assert.Equal(Math.Log(p), Default.LogPropensity(g.Text), 12);
        }
    }

    [Fact]
    public void TextsAreShortLowercaseAndParseBack()
    {
        Assert.All(Default.Grammar, g =>
        {
            Assert.InRange(g.Text.Length, 20, 50);
            Assert.Matches("^[a-z ]+$", g.Text);
            Assert.Equal(g.Choices, Default.Parse(g.Text));
        });
        Assert.Null(Default.Parse("old dog finds red bike today "));
        Assert.Equal(double.NegativeInfinity, Default.LogPropensity("Old dog finds red bike today"));
        Assert.Equal(double.NegativeInfinity, Default.LogPropensity("finds old dog red bike today"));
        Assert.Equal(Math.Log(0.25 * 0.30 * 0.30 * 0.35), Default.LogPropensity("old dog finds red bike today"), 12);
    }

    [Fact]
    public void SamplingFrequenciesMatchTheExactPropensities()
    {
        const int n = 50_000;
        var rng = new Random(123);
        var counts = new Dictionary<string, int>();
        for (int i = 0; i < n; i++)
        {
            var t = Default.SampleText(rng);
            counts[t] = counts.GetValueOrDefault(t) + 1;
        }
        Assert.All(counts.Keys, t => Assert.True(Default.IsGrammatical(t), t));
        // Pearson chi-square over all 500 cells: df = 499, sd = √998 ≈ 31.6; 6 sd above the mean fails.
        double chi2 = Default.Grammar.Sum(g =>
        {
            double e = n * Math.Exp(g.LogPropensity);
            double o = counts.GetValueOrDefault(g.Text);
            return (o - e) * (o - e) / e;
        });
        output.WriteLine($"chi2 = {chi2:F1} (df 499)");
        Assert.InRange(chi2, 499 - 6 * 31.6, 499 + 6 * 31.6);
    }

    [Fact]
    public void TheRealisticReaderGivesAnyTextOutsideTheGrammarTheLowestOutcome()
    {
        // The default world's floor is 1 (the bottom of its 1–7 scale), below the worst grammatical text (1.6).
        Assert.Equal(1.0, Default.OutcomeFloor);
        Assert.Equal(6.8, Default.TrueMean("tiny robot rescues lost kitten for everyone"), 12);
        foreach (var broken in new[] { "tiny robot rescues lost kitten for everyonee", "tiny robot rescues lost kitten", "Tiny robot rescues lost kitten for everyone",
                     "tiny robot rescues lost kitten for everyone ", "secret garden for everyone rescues", "", "tiny  robot rescues lost kitten for everyone" })
            Assert.Equal(1.0, Default.TrueMean(broken));
        // ... while the lenient phrase-sum score still counts every good phrase in it (the paper's yardstick).
        Assert.Equal(3.0 + 0.9 + 0.9 + 0.8 + 0.7, Default.PhraseSumMean("tiny robot rescues lost kitten"), 12);
        // Binary worlds: probability 0. A custom world without a floor: its worst grammatical text.
        Assert.Equal(0.0, new World(WorldConfig.DefaultBinary()).TrueMean("garbage"));
        var noFloor = new World(WorldConfig.Default() with { UngrammaticalOutcome = null });
        Assert.Equal(1.6, noFloor.TrueMean("garbage"), 12);
        // A floor above a real text would make the reader prefer gibberish: refused.
        Assert.Contains("ungrammatical_outcome", Assert.Throws<InputException>(() => new World(WorldConfig.Default() with { UngrammaticalOutcome = 2.0 })).Message);
    }

    [Fact]
    public void PhraseSumScoreFollowsTheDocumentedFormulaAndIsDefinedForAnyText()
    {
        // Hand-computed from WorldConfig.Default: 3 + 0.9 (tiny robot) + 0.9 (rescues) + 0.8 (lost kitten) + 0.5 (for everyone) + 0.7 (interaction).
        Assert.Equal(6.8, Default.PhraseSumMean("tiny robot rescues lost kitten for everyone"), 12);
        Assert.Equal(6.8, Default.BestPossibleValue(), 12);
        Assert.Equal("tiny robot rescues lost kitten for everyone", Default.BestText());
        // 3 − 0.4 (city council) − 0.5 (loses) − 0.3 (stone bridge) − 0.2 (again)
        Assert.Equal(1.6, Default.PhraseSumMean("city council loses stone bridge again"), 12);

        // Word boundaries and case: "robotic" is not "robot"; "TINY ROBOT!" is "tiny robot". 29 chars: inside the length range.
        Assert.Equal(3.0, Default.PhraseSumMean("a tinyrobot robotic rescuesxx"), 12);
        Assert.Equal(3.0 + 0.9 + 0.9, Default.PhraseSumMean("TINY ROBOT! ... rescues, yes!!"), 12);

        // The length term: the empty text is (min length) chars too short.
        var (min, max) = Default.GrammarLengthRange;
        Assert.Equal((28, 47), (min, max));
        Assert.Equal(3.0 - 0.02 * 28, Default.PhraseSumMean(""), 12);
        var longText = new string('z', 147);
        Assert.Equal(3.0 - 0.02 * 100, Default.PhraseSumMean(longText), 12);

        // Random garbage (any UTF-16, including lone surrogates and control characters) gets a finite score,
        // never above the best a grammatical text could get plus all positive effects.
        var rng = new Random(7);
        double cap = 3.0 + 0.3 + 0.9 + 0.9 + 0.2 + 0.4 + 0.1 + 0.8 + 0.5 + 0.2 + 0.5 + 0.7;
        for (int i = 0; i < 300; i++)
        {
            var chars = new char[rng.Next(0, 120)];
            for (int k = 0; k < chars.Length; k++) chars[k] = (char)rng.Next(0, 0x10000);
            double g = Default.PhraseSumMean(new string(chars));
            Assert.True(double.IsFinite(g));
            Assert.True(g <= cap);
        }
    }

    [Fact]
    public void ExpectedValueUnderPRMatchesASlotwiseComputationAndLeavesRoomToImprove()
    {
        // Independent: g* is additive over slots except the one interaction, and P^R is a product over slots.
        var cfg = Default.Config;
        double e = cfg.Intercept + cfg.Slots.Sum(s => s.Options.Sum(o => o.Probability * o.Effect));
        double pRescues = cfg.Slots[1].Options.Single(o => o.Phrase == "rescues").Probability;
        double pKitten = cfg.Slots[2].Options.Single(o => o.Phrase == "lost kitten").Probability;
        e += 0.7 * pRescues * pKitten;
        Assert.Equal(e, Default.ExpectedValueUnderPR(), 12);
        output.WriteLine($"E_PR[g*] = {e:F4}, best = {Default.BestPossibleValue():F4}");
        Assert.InRange(e, 3.0, 4.0);
        Assert.True(Default.BestPossibleValue() - e > 3.0);
    }

    [Fact]
    public void RandomizedDataIsDeterministicAndCenteredOnTheTruth()
    {
        var a = Default.Generate(10_000, seed: 5);
        var b = Default.Generate(10_000, seed: 5);
        Assert.Equal(a.Rows, b.Rows);
        Assert.False(a.Confounded);
        Assert.All(a.Rows, r => { Assert.Null(r.U); Assert.Equal(Default.LogPropensity(r.Text), r.LogPropensity); });
        Assert.Equal(Default.ExpectedValueUnderPR(), a.Outcomes.Average(), 0.06);
        // Residual sd ≈ noise sd 1.
        double sd = Math.Sqrt(a.Rows.Average(r => Math.Pow(r.Outcome - Default.TrueMean(r.Text), 2)));
        Assert.InRange(sd, 0.96, 1.04);
        Assert.NotEqual(a.Outcomes.Take(100), Default.Generate(100, seed: 6).Outcomes);
    }

    static double OlsSlope(double[] x, double[] y)
    {
        double mx = x.Average(), my = y.Average(), sxy = 0, sxx = 0;
        for (int i = 0; i < x.Length; i++) { sxy += (x[i] - mx) * (y[i] - my); sxx += (x[i] - mx) * (x[i] - mx); }
        return sxy / sxx;
    }

    [Fact]
    public void ConfoundedDataReversesTheAssociationWhileRandomizedDataRecoversIt()
    {
        var rand = Default.Generate(20_000, seed: 1);
        var conf = Default.Generate(20_000, seed: 2, confounded: true);
        double slopeRand = OlsSlope(rand.Texts.Select(Default.TrueMean).ToArray(), rand.Outcomes);
        double slopeConf = OlsSlope(conf.Texts.Select(Default.TrueMean).ToArray(), conf.Outcomes);
        output.WriteLine($"slope randomized {slopeRand:F3}, confounded {slopeConf:F3}; share U=1 {conf.Rows.Average(r => r.U!.Value):F3} (π = {Default.ConfounderShare:F3})");
        Assert.InRange(slopeRand, 0.95, 1.05);
        Assert.True(slopeConf < -0.2, $"confounded slope {slopeConf}");

        Assert.True(conf.Confounded);
        Assert.All(conf.Rows, r => { Assert.NotNull(r.U); Assert.Equal(Default.LogPropensity(r.Text), r.LogPropensity); });
        Assert.InRange(Default.ConfounderShare, 0.2, 0.6);
        Assert.Equal(Default.ConfounderShare, conf.Rows.Average(r => r.U!.Value), 0.02);
        // P(U = 1 | X = x) = h(x): check on the frequent texts.
        foreach (var grp in conf.Rows.GroupBy(r => r.Text).Where(g => g.Count() >= 300))
            Assert.Equal(Default.HaterShare(grp.Key), grp.Average(r => r.U!.Value), 0.1);

        // The exact E[Y|X] of confounded data falls as g* rises (covariance over the grammar, weighted by how often
        // confounded data show each text, is negative),
        // and the empirical means per text agree with it for the frequent texts.
        var gs = Default.Grammar;
        double[] w = gs.Select(g => Math.Exp(Default.ConfoundedLogExposure(g.Text))).ToArray(), x = gs.Select(g => g.TrueMean).ToArray(), m = gs.Select(g => Default.ConfoundedConditionalMean(g.Text)).ToArray();
        double mx = Wmean(x, w), mm = Wmean(m, w);
        double cov = Enumerable.Range(0, w.Length).Sum(i => w[i] * (x[i] - mx) * (m[i] - mm));
        Assert.Equal(1.0, w.Sum(), 9);
        Assert.True(cov < 0);
        foreach (var grp in conf.Rows.GroupBy(r => r.Text).Where(g => g.Count() >= 400))
            Assert.Equal(Default.ConfoundedConditionalMean(grp.Key), grp.Average(r => r.Outcome), 0.35);
        Assert.True(double.IsNaN(Default.ConfoundedConditionalMean("not in the grammar")));
    }

    static double Wmean(double[] v, double[] w) => v.Zip(w, (a, b) => a * b).Sum() / w.Sum();

    [Fact]
    public void BinaryWorldOutcomesAreBernoulliWithProbabilityGStar()
    {
        var world = new World(WorldConfig.DefaultBinary());
        double best = world.BestPossibleValue(), e = world.ExpectedValueUnderPR();
        output.WriteLine($"binary E_PR = {e:F3}, best = {best:F3}");
        Assert.Equal(1 / (1 + Math.Exp(-(-0.5 + 3.8))), best, 12);
        var data = world.Generate(20_000, seed: 3);
        Assert.All(data.Outcomes, y => Assert.True(y == 0 || y == 1));
        Assert.Equal(e, data.Outcomes.Average(), 0.015);
        Assert.InRange(e, 0.4, 0.5);

        var conf = world.Generate(20_000, seed: 4, confounded: true);
        double slope = OlsSlope(conf.Texts.Select(world.TrueMean).ToArray(), conf.Outcomes);
        output.WriteLine($"binary confounded slope {slope:F3}");
        Assert.True(slope < -0.08, $"binary confounded slope {slope}");
    }

    [Fact]
    public void TrueValueMatchesANaiveMeanAndInterval()
    {
        var texts = new[] { "tiny robot rescues lost kitten for everyone", "old dog finds red bike today", "garbage", "city council loses stone bridge again", "x" };
        var r = Default.TrueValue(texts);
        // Naive: each g* computed by hand from the config (see the formula test), then mean and sd (N−1).
        double[] g = [6.8, 3.3, 1.0, 1.6, 1.0]; // the realistic reader: "garbage" and "x" get the floor, 1
        double[] phraseSum = [6.8, 3.3, 3.0 - 0.02 * (28 - 7), 1.6, 3.0 - 0.02 * 27];
        double mean = (g[0] + g[1] + g[2] + g[3] + g[4]) / 5;
        double var = 0;
        foreach (var v in g) var += (v - mean) * (v - mean);
        var /= 4;
        double se = Math.Sqrt(var / 5);
        Assert.Equal(mean, r.Mean, 12);
        Assert.Equal(se, r.StdError, 12);
        Assert.Equal(mean - 1.96 * se, r.CiLow, 12);
        Assert.Equal(mean + 1.96 * se, r.CiHigh, 12);
        Assert.Equal(5, r.N);
        Assert.Equal(0.6, r.FractionGrammatical, 12);
        Assert.Equal(phraseSum.Average(), r.PhraseSumMean, 12);
        Assert.Equal((6.8 + 3.3 + 1.6) / 3, r.GrammaticalMean, 12);

        var one = Default.TrueValue(["old dog finds red bike today"]);
        Assert.Equal(3.3, one.Mean, 12);
        Assert.True(double.IsNaN(one.StdError));
        Assert.Throws<ArgumentException>(() => Default.TrueValue([]));
    }

    [Fact]
    public void InvalidConfigurationsSayWhatToFix()
    {
        var cfg = WorldConfig.Default();
        var shared = cfg with { Slots = [cfg.Slots[0], new("verb", [new("old", 1.0, 0)])] };
        Assert.Contains("unique", Assert.Throws<InputException>(() => new World(shared)).Message);
        var badSum = cfg with { Slots = [new("s", [new("a", 0.5, 0), new("b", 0.4, 0)])] };
        Assert.Contains("sum to", Assert.Throws<InputException>(() => new World(badSum)).Message);
        var upper = cfg with { Slots = [new("s", [new("Hello", 1.0, 0)])] };
        Assert.Contains("lowercase", Assert.Throws<InputException>(() => new World(upper)).Message);
    }
}
