using CausalPreference.IO;
using CausalPreference.Outcome;
using CausalPreference.Simulation;
using Xunit.Abstractions;

namespace CausalPreference.Tests.Outcome;

public sealed class LexicalLinearModelTests(ITestOutputHelper output) : IDisposable
{
    readonly string _dir = Path.Combine(Path.GetTempPath(), "causalpo-outcome-" + Guid.NewGuid().ToString("N"));

    public void Dispose() { try { Directory.Delete(_dir, true); } catch (DirectoryNotFoundException) { } }

    static double Det3(double[,] m) =>
        m[0, 0] * (m[1, 1] * m[2, 2] - m[1, 2] * m[2, 1])
        - m[0, 1] * (m[1, 0] * m[2, 2] - m[1, 2] * m[2, 0])
        + m[0, 2] * (m[1, 0] * m[2, 1] - m[1, 1] * m[2, 0]);

    [Fact]
    public void WeightedRidgeMatchesTheNormalEquationsSolvedByHand()
    {
        // Two words → features [1, has "a", has "b"]; counts are clipped to 1 ("a a" is just "a").
        string[] texts = ["a", "a b", "b", "", "a a b", "b b", "A!"];
        double[] y = [2.0, 3.5, 1.0, 0.5, 4.0, 1.5, 2.5];
        double[] rawW = [1, 2, 0.5, 1, 3, 1, 0.5];
        const double lambda = 0.7;
        double[][] x = [[1, 1, 0], [1, 1, 1], [1, 0, 1], [1, 0, 0], [1, 1, 1], [1, 0, 1], [1, 1, 0]];
        double mean = rawW.Average();
        var w = rawW.Select(v => v / mean).ToArray();   // documented: weights rescaled to average 1

        var a = new double[3, 3];
        var b = new double[3];
        for (int i = 0; i < x.Length; i++)
            for (int p = 0; p < 3; p++)
            {
                b[p] += w[i] * x[i][p] * y[i];
                for (int q = 0; q < 3; q++) a[p, q] += w[i] * x[i][p] * x[i][q];
            }
        a[1, 1] += lambda; a[2, 2] += lambda;           // the intercept is not penalized
        // Cramer's rule.
        double det = Det3(a);
        var beta = new double[3];
        for (int c = 0; c < 3; c++)
        {
            var m = (double[,])a.Clone();
            for (int r = 0; r < 3; r++) m[r, c] = b[r];
            beta[c] = Det3(m) / det;
        }

        var model = new LexicalLinearModel(new LexicalLinearOptions { L2 = lambda, LengthFeature = false });
        model.Fit(texts, y, rawW);
        Assert.Equal(["a", "b"], model.Vocabulary);
        Assert.Equal(beta[0], model.Intercept, 10);
        Assert.Equal(beta[1], model.Coefficient("a")!.Value, 10);
        Assert.Equal(beta[2], model.Coefficient("b")!.Value, 10);
        var pred = model.Predict(["b a", "nothing known", "B"]);
        Assert.Equal(beta[0] + beta[1] + beta[2], pred[0], 10);
        Assert.Equal(beta[0], pred[1], 10);
        Assert.Equal(beta[0] + beta[2], pred[2], 10);
    }

    [Fact]
    public void UnpenalizedFitIsExactOnNoiselessDataAndWeightsActLikeDuplicatedRows()
    {
        string[] texts = ["red", "red blue", "blue", "green", "red green", "blue green", ""];
        double[] y = texts.Select(t => 1.0 + (t.Contains("red") ? 2 : 0) - (t.Contains("blue") ? 0.5 : 0) + (t.Contains("green") ? 0.25 : 0)).ToArray();
        var m = new LexicalLinearModel(new LexicalLinearOptions { L2 = 0, LengthFeature = false });
        m.Fit(texts, y);
        Assert.Equal(1.0, m.Intercept, 6);
        Assert.Equal(2.0, m.Coefficient("red")!.Value, 6);
        Assert.Equal(-0.5, m.Coefficient("blue")!.Value, 6);
        Assert.Equal(0.25, m.Coefficient("green")!.Value, 6);

        // With noise and λ = 0: weight 3 on a row = that row three times.
        var rng = new Random(1);
        double[] noisy = y.Select(v => v + rng.NextDouble() - 0.5).ToArray();
        double[] w = [3, 1, 1, 2, 1, 1, 1];
        var weighted = new LexicalLinearModel(new LexicalLinearOptions { L2 = 0 });
        weighted.Fit(texts, noisy, w);
        var dupTexts = texts.SelectMany((t, i) => Enumerable.Repeat(t, (int)w[i])).ToArray();
        var dupY = noisy.SelectMany((v, i) => Enumerable.Repeat(v, (int)w[i])).ToArray();
        var dup = new LexicalLinearModel(new LexicalLinearOptions { L2 = 0 });
        dup.Fit(dupTexts, dupY);
        var probe = new[] { "red", "blue green", "red blue green", "x y z" };
        Assert.Equal(dup.Predict(probe), weighted.Predict(probe), (p, q) => Math.Abs(p - q) < 1e-6);
    }

    [Fact]
    public void LargeVocabularyFitSatisfiesTheRidgeStationarityConditions()
    {
        // > 1500 features: the conjugate-gradient path. Check Xᵀ(y − Xβ) = λβ (and = 0 for the intercept) independently.
        var rng = new Random(3);
        int n = 2500, vocab = 1800;
        var texts = new string[n];
        var y = new double[n];
        for (int i = 0; i < n; i++)
        {
            var words = Enumerable.Range(0, 5).Select(_ => "w" + rng.Next(vocab)).ToArray();
            texts[i] = string.Join(' ', words);
            y[i] = words.Sum(wd => int.Parse(wd[1..]) % 2 == 0 ? 0.3 : -0.2) + rng.NextDouble();
        }
        const double lambda = 0.5;
        var m = new LexicalLinearModel(new LexicalLinearOptions { L2 = lambda, LengthFeature = false });
        m.Fit(texts, y);
        Assert.True(m.Vocabulary.Count > 1500);
        var pred = m.Predict(texts);
        var grad = new Dictionary<string, double>();
        double interceptGrad = 0;
        for (int i = 0; i < n; i++)
        {
            double r = y[i] - pred[i];
            interceptGrad += r;
            foreach (var wd in texts[i].Split(' ').Distinct()) grad[wd] = grad.GetValueOrDefault(wd) + r;
        }
        Assert.True(Math.Abs(interceptGrad) < 1e-6, $"intercept gradient {interceptGrad}");
        foreach (var term in m.Vocabulary)
            Assert.True(Math.Abs(grad[term] - lambda * m.Coefficient(term)!.Value) < 1e-6, term);
    }

    [Fact]
    public void LogisticRegressionRecoversKnownCoefficientsAndIsStationary()
    {
        var rng = new Random(11);
        int n = 20_000;
        var texts = new string[n];
        var y = new double[n];
        for (int i = 0; i < n; i++)
        {
            bool a = rng.NextDouble() < 0.5, b = rng.NextDouble() < 0.3, c = rng.NextDouble() < 0.6;
            texts[i] = string.Join(' ', new[] { a ? "alpha" : null, b ? "beta" : null, c ? "gamma" : null }.Where(s => s != null));
            double eta = -1.0 + (a ? 1.5 : 0) + (b ? -2.0 : 0) + (c ? 0.5 : 0);
            y[i] = rng.NextDouble() < 1 / (1 + Math.Exp(-eta)) ? 1 : 0;
        }
        const double lambda = 1e-3;
        var m = new LexicalLinearModel(new LexicalLinearOptions { Binary = true, L2 = lambda, LengthFeature = false });
        m.Fit(texts, y);
        output.WriteLine($"b0 {m.Intercept:F3} alpha {m.Coefficient("alpha"):F3} beta {m.Coefficient("beta"):F3} gamma {m.Coefficient("gamma"):F3}");
        Assert.Equal(-1.0, m.Intercept, 0.1);
        Assert.Equal(1.5, m.Coefficient("alpha")!.Value, 0.1);
        Assert.Equal(-2.0, m.Coefficient("beta")!.Value, 0.12);
        Assert.Equal(0.5, m.Coefficient("gamma")!.Value, 0.1);

        // Stationarity of −loglik + (λ/2)‖β‖²: Σ(y − p) = 0 and Σ x_j (y − p) = λ β_j, with p from Predict.
        var p = m.Predict(texts);
        Assert.All(p, v => Assert.InRange(v, 0, 1));
        Assert.True(Math.Abs(y.Zip(p, (a, b) => a - b).Sum()) < 1e-6);
        foreach (var term in new[] { "alpha", "beta", "gamma" })
        {
            double g = 0;
            for (int i = 0; i < n; i++) if (texts[i].Split(' ').Contains(term)) g += y[i] - p[i];
            Assert.Equal(lambda * m.Coefficient(term)!.Value, g, 6);
        }
    }

    [Fact]
    public void BinaryModelRejectsOutcomesOutsideZeroOneWithTheRow()
    {
        var m = new LexicalLinearModel(new LexicalLinearOptions { Binary = true });
        var e = Assert.Throws<InputException>(() => m.Fit(["a", "b", "c"], [1, 0, -1]));
        Assert.Equal(3, e.Row);
        Assert.Contains("0/1", e.Message);
        Assert.Throws<InputException>(() => new LexicalLinearModel().Fit(["a"], [double.NaN]));
        Assert.Throws<InputException>(() => new LexicalLinearModel().Fit(["a", "b"], [1, 2], [-1, 1]));
        Assert.Throws<InputException>(() => new LexicalLinearModel().Fit([], []));
        Assert.Throws<InvalidOperationException>(() => new LexicalLinearModel().Predict(["a"]));
    }

    [Fact]
    public void BigramsAndMinCountShapeTheVocabulary()
    {
        string[] texts = ["dog bites man", "man bites dog", "dog bites man", "man bites dog", "rare word"];
        double[] y = [1, 0, 1, 0, 0.5];
        var uni = new LexicalLinearModel(new LexicalLinearOptions { MinCount = 2, LengthFeature = false });
        uni.Fit(texts, y);
        Assert.Equal(["bites", "dog", "man"], uni.Vocabulary);
        var up = uni.Predict(["dog bites man", "man bites dog"]);
        Assert.Equal(up[0], up[1], 12);

        var bi = new LexicalLinearModel(new LexicalLinearOptions { Bigrams = true, MinCount = 2, LengthFeature = false, L2 = 0.1 });
        bi.Fit(texts, y);
        Assert.Contains("dog bites", bi.Vocabulary);
        var bp = bi.Predict(["dog bites man", "man bites dog"]);
        Assert.True(bp[0] > bp[1] + 0.5);
    }

    [Fact]
    public void SaveAndLoadRestoreIdenticalPredictionsThroughTheFactory()
    {
        var world = new World();
        var data = world.Generate(300, seed: 2);
        foreach (var binary in new[] { false, true })
        {
            var y = binary ? data.Outcomes.Select(v => v > 3.5 ? 1.0 : 0.0).ToArray() : data.Outcomes;
            var m = new LexicalLinearModel(new LexicalLinearOptions { Binary = binary, Bigrams = true, L2 = 0.3 });
            m.Fit(data.Texts, y);
            var dir = Path.Combine(_dir, binary ? "bin" : "cont");
            m.Save(dir);
            Assert.True(File.Exists(Path.Combine(dir, "outcome_model.json")));
            var loaded = OutcomeModels.Load(dir);
            Assert.Equal("lexical-linear", loaded.Kind);
            var probe = data.Texts.Take(50).Append("never seen words at all").Append("").ToArray();
            Assert.Equal(m.Predict(probe), loaded.Predict(probe));
            Assert.Equal(binary, ((LexicalLinearModel)loaded).Options.Binary);
        }

        var empty = Path.Combine(_dir, "empty");
        Directory.CreateDirectory(empty);
        Assert.Contains("outcome_model.json", Assert.Throws<InputException>(() => OutcomeModels.Load(empty)).Message);
        File.WriteAllText(Path.Combine(empty, "outcome_model.json"), "{\"kind\":\"mystery\"}");
        Assert.Contains("lexical-linear", Assert.Throws<InputException>(() => OutcomeModels.Load(empty)).Message);
        File.WriteAllText(Path.Combine(empty, "outcome_model.json"), "{not json");
        Assert.Throws<InputException>(() => OutcomeModels.Load(empty));
    }

    [Fact]
    public void RegisteredKindsAreDispatched()
    {
        OutcomeModels.Register("test-constant", dir => new ConstantModel(double.Parse(File.ReadAllText(Path.Combine(dir, "value.txt")))));
        Directory.CreateDirectory(_dir);
        File.WriteAllText(Path.Combine(_dir, "outcome_model.json"), "{\"kind\":\"test-constant\"}");
        File.WriteAllText(Path.Combine(_dir, "value.txt"), "4.5");
        Assert.Equal([4.5, 4.5], OutcomeModels.Load(_dir).Predict(["x", "y"]));
    }

    sealed class ConstantModel(double value) : IOutcomeModel
    {
        public string Kind => "test-constant";
        public void Fit(IReadOnlyList<string> texts, double[] y, double[]? weights = null) { }
        public double[] Predict(IReadOnlyList<string> texts) => texts.Select(_ => value).ToArray();
        public void Save(string dir) { }
    }

    [Fact]
    public void ModelFitOnConfoundedWorldDataLearnsTheWrongSignForGoodWords()
    {
        var world = new World();
        var rand = world.Generate(4000, seed: 21);
        var conf = world.Generate(4000, seed: 22, confounded: true);
        var mr = new LexicalLinearModel();
        mr.Fit(rand.Texts, rand.Outcomes);
        var mc = new LexicalLinearModel();
        mc.Fit(conf.Texts, conf.Outcomes);
        foreach (var word in new[] { "robot", "rescues", "kitten", "everyone" })
        {
            output.WriteLine($"{word}: randomized {mr.Coefficient(word):F2}, confounded {mc.Coefficient(word):F2}");
            Assert.True(mr.Coefficient(word) > 0.05, word);
            Assert.True(mc.Coefficient(word) < 0, word);
        }
        // The randomized-data model ranks the grammar like g*; the confounded one ranks it backwards.
        var grammar = world.Grammar.Select(g => g.Text).ToArray();
        var truth = world.Grammar.Select(g => g.TrueMean).ToArray();
        Assert.True(Correlation(mr.Predict(grammar), truth) > 0.9);
        Assert.True(Correlation(mc.Predict(grammar), truth) < 0);
    }

    static double Correlation(double[] a, double[] b)
    {
        double ma = a.Average(), mb = b.Average(), sab = 0, saa = 0, sbb = 0;
        for (int i = 0; i < a.Length; i++) { sab += (a[i] - ma) * (b[i] - mb); saa += (a[i] - ma) * (a[i] - ma); sbb += (b[i] - mb) * (b[i] - mb); }
        return sab / Math.Sqrt(saa * sbb);
    }
}
