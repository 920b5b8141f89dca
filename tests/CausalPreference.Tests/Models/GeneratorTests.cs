using CausalPreference.Models;
using CausalPreference.Text;
using static TorchSharp.torch;

namespace CausalPreference.Tests.Models;

public class GeneratorTests
{
    static readonly Lazy<CausalLM> Trained = new(() => AsciiTraining.Train(ModelConfig.Micro with { ContextLength = 24 }, 30));

    static CausalLM Model(int seed)
    {
        manual_seed(seed);
        return ModelFactory.Create(ModelConfig.Micro with { ContextLength = 24 });
    }

    [Fact]
    public void AncestralSampleLogProbEqualsScore()
    {
        var model = Trained.Value;
        var tok = new ByteTokenizer();
        var gen = TextGenerator.Generate(model, tok, Enumerable.Repeat<string?>(null, 12).ToArray(), new SamplerSettings { Seed = 7 });
        var scores = SequenceScorer.Score(model, tok, gen.Select(g => g.Text).ToArray());
        int compared = 0;
        for (int i = 0; i < gen.Count; i++)
        {
            Assert.Equal(tok.Encode(gen[i].Text).Length + (gen[i].Complete ? 1 : 0) == gen[i].Tokens, gen[i].Canonical);
            if (!gen[i].Canonical) continue;
            Assert.Equal(gen[i].LogProb, scores[i], 3);
            compared++;
        }
        Assert.True(compared >= 3, $"only {compared} samples round-tripped");
    }

    [Fact]
    public void ConditionalSampleLogProbEqualsConditionalScore()
    {
        var model = Trained.Value;
        var tok = new ByteTokenizer();
        var prompts = new string?[] { "ab", "ab", "xyz", "q" };
        var gen = TextGenerator.Generate(model, tok, prompts, new SamplerSettings { Seed = 3, MaxNewTokens = 100 });
        var scores = SequenceScorer.Score(model, tok, gen.Select(g => g.Text).ToArray(), prompts);
        for (int i = 0; i < gen.Count; i++)
            if (gen[i].Canonical)
                Assert.Equal(gen[i].LogProb, scores[i], 3);
    }

    [Fact]
    public void CachedGreedyEqualsUncachedGreedy()
    {
        var model = Model(3);
        model.eval();
        var tok = new ByteTokenizer();
        var cached = TextGenerator.Generate(model, tok, new string?[] { null }, new SamplerSettings { Greedy = true, MaxNewTokens = 15 })[0];
        // uncached: full forward pass on the whole prefix at every step
        var seq = new List<long> { tok.BosId };
        var outIds = new List<int>();
        using (no_grad())
            for (int step = 0; step < 15; step++)
            {
                using var ids = tensor(seq.ToArray(), new long[] { 1, seq.Count });
                using var logits = model.forward(ids);
                var next = logits[0, seq.Count - 1].argmax().item<long>();
                if (next == tok.EosId) break;
                outIds.Add((int)next);
                seq.Add(next);
            }
        Assert.Equal(tok.Decode(outIds), cached.Text);
    }

    [Fact]
    public void TruncatedSamplerReportsItsOwnDensity()
    {
        // with top-k = 1 the sampler is deterministic: every draw has probability 1, log-density 0
        var model = Model(4);
        var gen = TextGenerator.Generate(model, new ByteTokenizer(), new string?[] { null, "a" }, new SamplerSettings { TopK = 1, MaxNewTokens = 5 });
        Assert.All(gen, g => Assert.Equal(0.0, g.LogProb, 9));
        var nucleus = TextGenerator.Generate(model, new ByteTokenizer(), new string?[] { null }, new SamplerSettings { TopP = 1e-9, MaxNewTokens = 5 });
        Assert.Equal(0.0, nucleus[0].LogProb, 9);
    }

    [Fact]
    public void SameSeedSameSamples()
    {
        var model = Model(5);
        var s = new SamplerSettings { Seed = 11, MaxNewTokens = 10 };
        var a = TextGenerator.Generate(model, new ByteTokenizer(), new string?[] { null, null }, s);
        var b = TextGenerator.Generate(model, new ByteTokenizer(), new string?[] { null, null }, s);
        Assert.Equal(a.Select(x => x.Text), b.Select(x => x.Text));
    }
}
