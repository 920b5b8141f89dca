using CausalPreference.Causal;
using TorchSharp;
using static TorchSharp.torch;

namespace CausalPreference.Tests.Causal;

/// <summary>Double-precision "Objectives" test vectors (B = 4) plus numerical edge cases.</summary>
public class ObjectivesTests
{
    static readonly double[] Lf = { -50, -60, -55, -70 };
    static readonly double[] L0 = { -52, -58, -55, -71 };
    static readonly double[] Y = { 60, 20, 80, 40 };
    static readonly double[] G = { 55, 30, 70, 45 };
    static readonly double[] LfT = { -40, -45, -42, -48 };
    static readonly double[] L0T = { -41, -44, -42, -50 };
    static readonly double[] GT = { 50, 35, 65, 40 };

    sealed class Batch : IDisposable
    {
        public readonly Tensor Lf, L0, Y, G, LfT, L0T, GT;
        public Batch(double[] lf, double[] l0, double[] y, double[] g, double[] lft, double[] l0t, double[] gt,
            ScalarType dtype = ScalarType.Float64)
        {
            Lf = tensor(lf, dtype).detach().requires_grad_(true); // a leaf in the requested dtype
            L0 = tensor(l0, dtype);
            Y = tensor(y, dtype);
            G = tensor(g, dtype);
            LfT = tensor(lft, dtype).detach().requires_grad_(true);
            L0T = tensor(l0t, dtype);
            GT = tensor(gt, dtype);
        }
        public static Batch Spec(ScalarType dtype = ScalarType.Float64) => new(ObjectivesTests.Lf, ObjectivesTests.L0,
            ObjectivesTests.Y, ObjectivesTests.G, ObjectivesTests.LfT, ObjectivesTests.L0T, ObjectivesTests.GT, dtype);
        public ObjectiveInputs Inputs => new(Lf, L0, Y, G, LfT, L0T, GT);
        public void Dispose() { foreach (var t in new[] { Lf, L0, Y, G, LfT, L0T, GT }) t.Dispose(); }
    }

    static double Value(ObjectiveKind kind, WeightNormalization norm)
    {
        using var b = Batch.Spec();
        using var r = Objectives.Compute(kind, b.Inputs, new ObjectiveOptions(norm));
        Assert.Equal(-r.Value.item<double>(), r.Loss.item<double>());
        return r.Value.item<double>();
    }

    [Theory]
    [InlineData(ObjectiveKind.Cpo, 56.461780)]
    [InlineData(ObjectiveKind.OoRlhf, 44.387143)]
    [InlineData(ObjectiveKind.DrCpo, 47.233487)]
    public void SelfNormalizedValuesMatchSpec(ObjectiveKind kind, double expected) =>
        Assert.Equal(expected, Value(kind, WeightNormalization.SelfNormalized), 1e-6);

    [Theory]
    [InlineData(ObjectiveKind.Cpo, 158.695336)]
    [InlineData(ObjectiveKind.OoRlhf, 127.338029)]
    [InlineData(ObjectiveKind.DrCpo, 135.338159)]
    public void HorvitzThompsonValuesMatchSpec(ObjectiveKind kind, double expected) =>
        Assert.Equal(expected, Value(kind, WeightNormalization.HorvitzThompson), 1e-6);

    [Fact]
    public void CpoGradientMatchesSpec()
    {
        using var b = Batch.Spec();
        using var r = Objectives.Compute(ObjectiveKind.Cpo, b.Inputs);
        r.Value.backward();
        AssertClose(new[] { 2.325435, -0.438914, 2.093650, -3.980171 }, b.Lf.grad!.data<double>().ToArray(), 1e-6);
    }

    [Fact]
    public void DrCpoGradientsMatchSpec()
    {
        using var b = Batch.Spec();
        using var r = Objectives.Compute(ObjectiveKind.DrCpo, b.Inputs);
        r.Value.backward();
        AssertClose(new[] { 1.415454, -0.154640, 0.636295, -1.897109 }, b.Lf.grad!.data<double>().ToArray(), 1e-6);
        AssertClose(new[] { 1.329589, -0.300939, 1.796293, -2.824944 }, b.LfT.grad!.data<double>().ToArray(), 1e-6);
    }

    [Fact]
    public void OoRlhfIgnoresLabeledRowsAndHasNoLabeledDiagnostics()
    {
        using var lft = tensor(LfT, requires_grad: true);
        using var l0t = tensor(L0T);
        using var gt = tensor(GT);
        using var r = Objectives.Compute(ObjectiveKind.OoRlhf, ObjectiveInputs.ForOoRlhf(lft, l0t, gt));
        Assert.Equal(44.387143, r.Value.item<double>(), 1e-6);
        Assert.Null(r.LabeledWeights);
        Assert.NotNull(r.UnlabeledWeights);
        r.Loss.backward();
        AssertClose(new[] { -1.329589, 0.300939, -1.796293, 2.824944 }, lft.grad!.data<double>().ToArray(), 1e-6);
    }

    [Fact]
    public void HorvitzThompsonGradientEqualsNaiveDerivative()
    {
        // d/dℓ^f_k of (1/n) Σ exp(ℓ^f_i − ℓ^0_i) Y_i = exp(d_k) Y_k / n, computed here by hand.
        using var b = Batch.Spec();
        using var r = Objectives.Compute(ObjectiveKind.Cpo, b.Inputs, new ObjectiveOptions(WeightNormalization.HorvitzThompson));
        r.Value.backward();
        var expected = Enumerable.Range(0, 4).Select(k => Math.Exp(Lf[k] - L0[k]) * Y[k] / 4).ToArray();
        AssertClose(expected, b.Lf.grad!.data<double>().ToArray(), 1e-9);
    }

    [Fact]
    public void Float32InputsGiveFloat64ValueAndFloat32Gradient()
    {
        using var b = Batch.Spec(ScalarType.Float32);
        using var r = Objectives.Compute(ObjectiveKind.DrCpo, b.Inputs);
        Assert.Equal(ScalarType.Float64, r.Value.dtype);
        Assert.Equal(47.233487, r.Value.item<double>(), 1e-4);
        r.Loss.backward();
        Assert.Equal(ScalarType.Float32, b.Lf.grad!.dtype);
        AssertClose(new[] { -1.415454, 0.154640, -0.636295, 1.897109 },
            b.Lf.grad.data<float>().ToArray().Select(v => (double)v).ToArray(), 1e-4);
    }

    [Fact]
    public void UnequalLabeledAndUnlabeledSizesWork()
    {
        // n = 2, m = 3; SN DR by hand: Σ softmax(d) (Y − ĝ) + Σ softmax(d̃) ĝ̃.
        double[] lf = { -1, -2 }, l0 = { -1.5, -1 }, y = { 3, 5 }, g = { 2, 6 };
        double[] lft = { -3, -1, -2 }, l0t = { -2, -2, -2 }, gt = { 1, 4, 7 };
        using var b = new Batch(lf, l0, y, g, lft, l0t, gt);
        using var r = Objectives.Compute(ObjectiveKind.DrCpo, b.Inputs);
        double expected = NaiveSn(Sub(lf, l0), Sub(y, g)) + NaiveSn(Sub(lft, l0t), gt);
        Assert.Equal(expected, r.Value.item<double>(), 12);
        Assert.Equal(2, r.LabeledWeights!.N);
        Assert.Equal(3, r.UnlabeledWeights!.N);
    }

    [Theory]
    [InlineData(WeightNormalization.SelfNormalized)]
    [InlineData(WeightNormalization.HorvitzThompson)]
    public void ExtremeLogRatiosAndOutcomesGiveFiniteValuesAndGradients(WeightNormalization norm)
    {
        double[] lf = { 1000, -1000, 0, 3 }, l0 = { 0, 0, 0, 0 }, y = { 1e6, -1e6, 5, 1e6 }, g = { -1e6, 1e6, 0, 3 };
        double[] lft = { -1000, 1000, 1000, 0 }, l0t = { 0, 0, 0, 0 }, gt = { 1e6, -1e6, 1e6, 0 };
        foreach (var dtype in new[] { ScalarType.Float64, ScalarType.Float32 })
        foreach (var kind in new[] { ObjectiveKind.Cpo, ObjectiveKind.DrCpo, ObjectiveKind.OoRlhf })
        {
            using var b = new Batch(lf, l0, y, g, lft, l0t, gt, dtype);
            using var r = Objectives.Compute(kind, b.Inputs, new ObjectiveOptions(norm));
            Assert.True(double.IsFinite(r.Value.item<double>()), $"{kind} {norm} {dtype}: value {r.Value.item<double>()}");
            r.Loss.backward();
            var used = kind switch { ObjectiveKind.Cpo => new[] { b.Lf }, ObjectiveKind.OoRlhf => new[] { b.LfT }, _ => new[] { b.Lf, b.LfT } };
            foreach (var t in used)
            {
                Assert.NotNull(t.grad);
                Assert.Equal(dtype, t.grad!.dtype);
                Assert.True(t.grad.isfinite().all().item<bool>(), $"{kind} {norm} {dtype}: non-finite gradient");
            }
            if (norm == WeightNormalization.HorvitzThompson)
            {
                // Overflowing rows are clipped by the guard: counted, and announced.
                var diag = kind == ObjectiveKind.OoRlhf ? r.UnlabeledWeights! : r.LabeledWeights!;
                Assert.True(diag.ClippedCount > 0);
                Assert.Contains(r.Warnings, w => w.Contains("overflow guard"));
            }
            else
            {
                Assert.Empty(r.Warnings);
                if (r.LabeledWeights is { } ld) Assert.Equal(0, ld.ClippedCount);
            }
        }
    }

    [Fact]
    public void SelfNormalizedWithHugeLogRatioPutsAllWeightOnThatRow()
    {
        using var b = new Batch(new double[] { 1000, -1000, 0 }, new double[] { 0, 0, 0 }, new double[] { 7, 1e6, -1e6 },
            new double[] { 0, 0, 0 }, new double[] { 0 }, new double[] { 0 }, new double[] { 0 });
        using var r = Objectives.Compute(ObjectiveKind.Cpo, b.Inputs);
        Assert.Equal(7.0, r.Value.item<double>(), 9);
        Assert.Equal(1.0, r.LabeledWeights!.Ess, 9);
        Assert.Equal(1000, r.LabeledWeights.LogWeightMax);
        Assert.Equal(-1000, r.LabeledWeights.LogWeightMin);
    }

    [Theory]
    [InlineData(WeightNormalization.SelfNormalized)]
    [InlineData(WeightNormalization.HorvitzThompson)]
    public void BatchOfOneAndIdenticalRowsAreFinite(WeightNormalization norm)
    {
        foreach (var kind in new[] { ObjectiveKind.Cpo, ObjectiveKind.DrCpo, ObjectiveKind.OoRlhf })
        {
            using (var one = new Batch(new double[] { -80 }, new double[] { -80 }, new double[] { 3 }, new double[] { 2 },
                       new double[] { -5 }, new double[] { -5 }, new double[] { 4 }))
            using (var r = Objectives.Compute(kind, one.Inputs, new ObjectiveOptions(norm)))
            {
                double expected = kind switch { ObjectiveKind.Cpo => 3, ObjectiveKind.OoRlhf => 4, _ => 1 + 4 };
                Assert.Equal(expected, r.Value.item<double>(), 12);
                r.Value.backward();
                if (norm == WeightNormalization.SelfNormalized && one.Lf.grad is not null)
                    Assert.Equal(0.0, one.Lf.grad.item<double>()); // w(a − V̂) = 0 for a single row
            }
            var same = Enumerable.Repeat(-30.0, 5).ToArray();
            var ys = Enumerable.Repeat(2.5, 5).ToArray();
            using (var ident = new Batch(same, same, ys, ys, same, same, ys))
            using (var r = Objectives.Compute(kind, ident.Inputs, new ObjectiveOptions(norm)))
            {
                Assert.True(double.IsFinite(r.Value.item<double>()));
                r.Loss.backward();
                foreach (var t in new[] { ident.Lf, ident.LfT })
                    if (t.grad is not null) Assert.True(t.grad.isfinite().all().item<bool>());
                var d = r.LabeledWeights ?? r.UnlabeledWeights!;
                Assert.Equal(5.0, d.Ess, 9);
                Assert.Equal(1.0, d.EssFraction, 9);
            }
        }
    }

    [Fact]
    public void ExplicitClippingIsCountedAndMatchesNaiveClippedWeights()
    {
        using var b = Batch.Spec();
        using var r = Objectives.Compute(ObjectiveKind.Cpo, b.Inputs, new ObjectiveOptions(MaxLogWeight: 0.5));
        var d = Sub(Lf, L0).Select(v => Math.Min(v, 0.5)).ToArray(); // [0.5, −2, 0, 0.5]
        Assert.Equal(NaiveSn(d, Y), r.Value.item<double>(), 12);
        Assert.Equal(2, r.LabeledWeights!.ClippedCount);
        Assert.Contains(r.Warnings, w => w.Contains("MaxLogWeight"));
        r.Value.backward();
        var grad = b.Lf.grad!.data<double>().ToArray();
        Assert.Equal(0.0, grad[0]);
        Assert.Equal(0.0, grad[3]);
        Assert.NotEqual(0.0, grad[1]);
    }

    [Fact]
    public void DefaultHasNoClipping()
    {
        using var b = Batch.Spec();
        using var r = Objectives.Compute(ObjectiveKind.DrCpo, b.Inputs);
        Assert.Equal(0, r.LabeledWeights!.ClippedCount);
        Assert.Equal(0, r.UnlabeledWeights!.ClippedCount);
        Assert.Empty(r.Warnings);
    }

    [Fact]
    public void MissingOrMismatchedInputsThrowClearErrors()
    {
        using var b = Batch.Spec();
        var cpoOnly = new ObjectiveInputs(b.Lf, b.L0, b.Y);
        var e1 = Assert.Throws<ArgumentException>(() => Objectives.Compute(ObjectiveKind.DrCpo, cpoOnly));
        Assert.Contains("OutcomeHat", e1.Message);
        using var shortRef = tensor(new double[] { 1, 2, 3 });
        var e2 = Assert.Throws<ArgumentException>(() =>
            Objectives.Compute(ObjectiveKind.Cpo, new ObjectiveInputs(b.Lf, shortRef, b.Y)));
        Assert.Contains("3 entries but 4", e2.Message);
        using var badRef = tensor(new double[] { 0, double.NegativeInfinity, 0, 0 });
        Assert.Throws<ArgumentException>(() => Objectives.Compute(ObjectiveKind.Cpo, new ObjectiveInputs(b.Lf, badRef, b.Y)));
        using var nanY = tensor(new double[] { 0, double.NaN, 0, 0 });
        Assert.Throws<ArgumentException>(() => Objectives.Compute(ObjectiveKind.Cpo, new ObjectiveInputs(b.Lf, b.L0, nanY)));
        using var matrix = zeros(2, 2, ScalarType.Float64);
        Assert.Throws<ArgumentException>(() => Objectives.Compute(ObjectiveKind.Cpo, new ObjectiveInputs(matrix, matrix, matrix)));
    }

    [Fact]
    public void MinusInfinityPolicyLogpGetsZeroWeightAndFiniteGradient()
    {
        using var b = new Batch(new double[] { double.NegativeInfinity, -1, -2 }, new double[] { -1, -1, -1 },
            new double[] { 100, 1, 3 }, new double[] { 0, 0, 0 }, new double[] { 0 }, new double[] { 0 }, new double[] { 0 });
        using var r = Objectives.Compute(ObjectiveKind.Cpo, b.Inputs);
        Assert.Equal(NaiveSn(new double[] { 0, -1 }, new double[] { 1, 3 }), r.Value.item<double>(), 12);
        r.Value.backward();
        Assert.True(b.Lf.grad!.isfinite().all().item<bool>());
    }

    [Fact]
    public void ManyCallsInsideDisposeScopesDoNotLeakOrFail()
    {
        // Live tensors of this thread (xunit runs a synchronous test on one thread): every tensor an iteration creates,
        // the gradient included, must be gone when its scope ends.
        void Iteration()
        {
            using var scope = NewDisposeScope();
            var lf = tensor(Lf, requires_grad: true);
            var r = Objectives.Compute(ObjectiveKind.Cpo, new ObjectiveInputs(lf, tensor(L0), tensor(Y)));
            r.Loss.backward();
            Assert.Equal(-2.325435, lf.grad!.data<double>()[0], 1e-6);
        }
        Iteration(); // first call: any one-time allocations happen here
        long before = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        for (int i = 0; i < 50; i++) Iteration();
        Assert.Equal(before, DisposeScopeManager.Statistics.ThreadTotalLiveCount);
    }

    static double NaiveSn(double[] d, double[] a)
    {
        double max = d.Max(), z = 0, s = 0;
        for (int i = 0; i < d.Length; i++) { double e = Math.Exp(d[i] - max); z += e; s += e * a[i]; }
        return s / z;
    }

    static double[] Sub(double[] a, double[] b) => a.Select((v, i) => v - b[i]).ToArray();

    static void AssertClose(double[] expected, double[] actual, double tol)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) <= tol, $"index {i}: expected {expected[i]}, got {actual[i]}");
    }
}
