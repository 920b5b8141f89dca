using CausalPreference.Causal;
using CausalPreference.Training;
using static TorchSharp.torch;

namespace CausalPreference.Tests.Causal;

/// <summary>
/// Self-normalized DR-CPO survives a wrong ĝ only when its two terms average over the same number of items per step.
/// A two-text world where the exact expected gradient can be enumerated: texts 0 and 1, P^R = P^{f0} = the policy =
/// uniform (θ = 0, ℓ(x) = log_softmax(θ)[x], ∇ℓ(x) = e_x − ½), true outcome Y ≡ 0 (so the true value gradient is 0),
/// and a wrong ĝ = (−1, +1). With k items the self-normalized term's expected gradient is (1 − 1/k)·Cov(∇ℓ, a), and
/// Cov(e_X − ½, ĝ(X)) = (−½, ½); so E[∇V̂] = (1/k_rows − 1/k_tilde)·(−½, ½): (−1/16, 1/16) for 4 rows and 8 X̃, 0 for 4 and 4.
/// </summary>
public class DrCpoScopeTests
{
    static double[] ExpectedGradient(int rows, int tilde)
    {
        // every row batch (2^rows) and every X̃ batch (2^tilde), each with equal probability; the gradient is a sum of the
        // two terms' gradients, so pairing X̃ batch j with row batch j mod 2^rows averages both terms exactly
        int nRows = 1 << rows, nTilde = 1 << tilde, calls = Math.Max(nRows, nTilde);
        var sum = new double[2];
        for (int j = 0; j < calls; j++)
        {
            using var scope = NewDisposeScope();
            var theta = zeros(2, dtype: ScalarType.Float64).requires_grad_();
            var logp = theta.log_softmax(0);
            long[] Bits(int code, int n) => Enumerable.Range(0, n).Select(b => (long)((code >> b) & 1)).ToArray();
            var x = tensor(Bits(j % nRows, rows));
            var xt = tensor(Bits(j % nTilde, tilde));
            var ghat = tensor(new[] { -1.0, 1.0 });
            var inputs = new ObjectiveInputs(
                PolicyLogp: logp.index_select(0, x), ReferenceLogp: full(rows, Math.Log(0.5), ScalarType.Float64),
                Outcome: zeros(rows, dtype: ScalarType.Float64), OutcomeHat: ghat.index_select(0, x),
                PolicyLogpTilde: logp.index_select(0, xt), F0LogpTilde: full(tilde, Math.Log(0.5), ScalarType.Float64),
                OutcomeHatTilde: ghat.index_select(0, xt));
            using var r = Objectives.Compute(ObjectiveKind.DrCpo, inputs);
            r.Value.backward();
            var g = theta.grad!.data<double>().ToArray();
            sum[0] += g[0]; sum[1] += g[1];
        }
        return sum.Select(s => s / calls).ToArray();
    }

    [Fact]
    public void UnequalScopesPushTowardsTheOutcomeModelAndEqualScopesDoNot()
    {
        var unequal = ExpectedGradient(4, 8);
        Assert.Equal(-1.0 / 16, unequal[0], 10);
        Assert.Equal(1.0 / 16, unequal[1], 10);
        var equal = ExpectedGradient(4, 4);
        Assert.Equal(0.0, equal[0], 10);
        Assert.Equal(0.0, equal[1], 10);
    }

    [Fact]
    public void SelfNormalizedStepsTakeAsManyTildeSamplesAsRowsAndCycleThroughAll()
    {
        const int m = 24, batch = 4, batchesPerEpoch = 3; // 12 rows per epoch, 24 X̃: one pass every 2 epochs
        var seen = new List<int>();
        for (int epoch = 0; epoch < 2; epoch++)
            for (int b = 0; b < batchesPerEpoch; b++)
            {
                var idx = CausalTrainer.TildeIndices(m, batch, batch, selfNormalized: true, seed: 5, epoch, b, batchesPerEpoch);
                Assert.Equal(batch, idx.Length);
                seen.AddRange(idx);
            }
        Assert.Equal(Enumerable.Range(0, m), seen.Order()); // the first pass: every sample exactly once
        // the next pass is a different permutation
        var next = CausalTrainer.TildeIndices(m, batch, batch, true, 5, 2, 0, batchesPerEpoch);
        var firstOfPass1 = CausalTrainer.TildeIndices(m, batch, batch, true, 5, 0, 0, batchesPerEpoch);
        Assert.NotEqual(firstOfPass1, next);
        // a short last batch takes as many as it has rows
        Assert.Equal(2, CausalTrainer.TildeIndices(m, 2, batch, true, 5, 0, 2, batchesPerEpoch).Length);
        // fewer X̃ than rows: all of them
        Assert.Equal(3, CausalTrainer.TildeIndices(3, batch, batch, true, 5, 0, 0, batchesPerEpoch).Length);
    }

    [Fact]
    public void HorvitzThompsonStepsTakeAProportionalSliceEveryEpoch()
    {
        const int m = 24, batchesPerEpoch = 3;
        var epoch0 = Enumerable.Range(0, batchesPerEpoch)
            .SelectMany(b => CausalTrainer.TildeIndices(m, 4, 4, selfNormalized: false, seed: 5, 0, b, batchesPerEpoch)).ToList();
        Assert.Equal(Enumerable.Range(0, m), epoch0.Order()); // 8 per step, all 24 once per epoch
    }
}
