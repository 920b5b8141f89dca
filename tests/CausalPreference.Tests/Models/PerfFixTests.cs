using CausalPreference.Models;
using CausalPreference.Tests.Models;
using CausalPreference.Text;
using CausalPreference.Training;
using static TorchSharp.torch;

namespace CausalPreference.Tests.Models;

/// <summary>The library changes made while profiling (bench/perf): tied parameters listed once, fused tanh-GELU,
/// mask-free single-token decoding.</summary>
[Collection(TorchSerialCollection.Name)]
public class PerfFixTests
{
    /// <summary>GPT-2 parameter count from the architecture, computed by hand: per layer 12·D² + 13·D, plus embeddings and ln_f.</summary>
    static long Gpt2Count(ModelConfig c) =>
        (long)c.VocabSize * c.Dim + (long)c.ContextLength * c.Dim + c.Layers * (12L * c.Dim * c.Dim + 13L * c.Dim) + 2L * c.Dim
        + (c.TiedEmbeddings ? 0 : (long)c.VocabSize * c.Dim);

    [Fact]
    public void TiedHeadIsListedAndCountedOnce()
    {
        var tied = new Gpt2Model(ModelConfig.Micro);
        Assert.Equal(tied.named_parameters().Count() - 1, tied.UniqueParameters().Count);
        Assert.Equal(Gpt2Count(ModelConfig.Micro), tied.ParameterCount());

        var untiedConfig = ModelConfig.Micro with { TiedEmbeddings = false };
        var untied = new Gpt2Model(untiedConfig);
        Assert.Equal(untied.named_parameters().Count(), untied.UniqueParameters().Count);
        Assert.Equal(Gpt2Count(untiedConfig), untied.ParameterCount());
    }

    /// <summary>
    /// Adam's first step moves every entry by at most the learning rate (update = lr·m̂/(√v̂+ε) with m̂ = g, v̂ = g²).
    /// Before the fix the tied embedding sat twice in the optimizer and moved by twice the learning rate.
    /// </summary>
    [Fact]
    public void OneTrainingStepMovesTiedEmbeddingByAtMostTheLearningRate()
    {
        manual_seed(0);
        var model = new Gpt2Model(ModelConfig.Micro);
        var wte = model.named_parameters().First(p => p.name == "transformer.wte.weight").parameter;
        using var before = wte.detach().clone();
        var dir = Path.Combine(Path.GetTempPath(), "causalpo-perf-test-" + Guid.NewGuid().ToString("N"));
        try
        {
            const double lr = 0.01;
            var opts = new TrainerOptions { Epochs = 1, BatchSize = 2, LearningRate = lr, KeepBest = false };
            var result = SftTrainer.Train(model, new ByteTokenizer(), new[] { "hello", "abc" }, Array.Empty<string>(), opts, dir, "t");
            Assert.Equal(1, result.Steps);
            using var moved = (wte.detach() - before).abs().max();
            double max = moved.item<float>();
            Assert.InRange(max, 0.5 * lr, 1.001 * lr);
        }
        finally { if (Directory.Exists(dir)) Directory.Delete(dir, true); }
    }

    /// <summary>The fused GELU against the formula evaluated in double precision, value and derivative.</summary>
    [Fact]
    public void GeluNewMatchesTheTanhFormula()
    {
        var xs = Enumerable.Range(0, 241).Select(i => -6.0 + i * 0.05).ToArray();
        static double F(double x) => 0.5 * x * (1 + Math.Tanh(Math.Sqrt(2 / Math.PI) * (x + 0.044715 * x * x * x)));
        using var x = tensor(xs.Select(v => (float)v).ToArray()).requires_grad_();
        using var y = Activations.Get("gelu_new")(x);
        y.sum().backward();
        var ys = y.detach().data<float>().ToArray();
        var gs = x.grad!.data<float>().ToArray();
        for (int i = 0; i < xs.Length; i++)
        {
            double xi = (float)xs[i];
            Assert.True(Math.Abs(F(xi) - ys[i]) <= 2e-6 * Math.Max(1, Math.Abs(F(xi))), $"gelu({xi}) = {ys[i]}, expected {F(xi)}");
            double numeric = (F(xi + 1e-6) - F(xi - 1e-6)) / 2e-6;
            Assert.Equal(numeric, gs[i], 4);
        }
    }

    /// <summary>Decoding one token at a time through the cache (the mask-free path) gives the full forward pass's logits.</summary>
    [Fact]
    public void SingleTokenCachedDecodingMatchesFullForward()
    {
        foreach (var cfg in new[] { ModelConfig.Micro with { Layers = 3 }, Fixtures.TinyLlama with { Layers = 3 } })
        {
            manual_seed(1);
            var model = ModelFactory.Create(cfg);
            model.eval();
            using var _ = no_grad();
            long[] ids = { 256, 3, 99, 42, 7, 250, 11 };
            using var full = model.forward(tensor(ids, new long[] { 1, ids.Length }));
            using var cache = new KvCache(cfg.Layers);
            for (int i = 0; i < ids.Length; i++)
            {
                using var step = model.Forward(tensor(new[] { ids[i] }, new long[] { 1, 1 }), cache);
                using var expected = full.narrow(1, i, 1);
                Assert.True(expected.allclose(step, 1e-5, 1e-5), $"{cfg.Family}: position {i} differs");
            }
        }
    }
}
