using CausalPreference.Models;
using CausalPreference.Text;
using static TorchSharp.torch;
using static CausalPreference.Tests.Models.Fixtures;

namespace CausalPreference.Tests.Models;

[Collection(TorchSerialCollection.Name)]
public class LlamaModelTests
{
    /// <summary>A tiny Llama briefly trained on ASCII words, so that its samples are mostly valid UTF-8 and round-trip.</summary>
    static readonly Lazy<CausalLM> Trained = new(() => AsciiTraining.Train(TinyLlama with { ContextLength = 24 }, 40));

    [Fact]
    public void CachedGreedyGenerationEqualsUncachedTokenByToken()
    {
        manual_seed(21);
        var model = ModelFactory.Create(TinyLlama);
        model.eval();
        var tok = new ByteTokenizer();
        var prompt = new[] { 104, 105 }; // "hi": the cache then starts with three positions
        var seq = new List<long> { tok.BosId };
        seq.AddRange(prompt.Select(i => (long)i));
        var uncached = new List<long>();
        var cached = new List<long>();
        using (no_grad())
        {
            for (int step = 0; step < 20; step++)
            {
                using var ids = tensor(seq.Concat(uncached).ToArray(), new long[] { 1, seq.Count + uncached.Count });
                using var logits = model.forward(ids);
                uncached.Add(logits[0, -1].argmax().item<long>());
            }
            using var cache = new KvCache(model.Config.Layers);
            var input = tensor(seq.ToArray(), new long[] { 1, seq.Count });
            for (int step = 0; step < 20; step++)
            {
                using var logits = model.Forward(input, cache);
                var next = logits[0, -1].argmax().item<long>();
                cached.Add(next);
                input = tensor(new[] { next }, new long[] { 1, 1 });
            }
            Assert.Equal(seq.Count + 19, cache.Length);
            Assert.Equal(new long[] { 1, 2, seq.Count + 19, 4 }, cache.Keys[0]!.shape); // only the 2 key/value heads are cached
        }
        Assert.Equal(uncached, cached);
    }

    /// <summary>
    /// A prompt of several tokens fills the cache in one pass. Layers above the first must then mask with their own
    /// cached length, not the first layer's (which already includes the new positions): with three or more layers a
    /// wrong mask lets prompt positions see later prompt tokens and corrupts the cache. Checked for both families.
    /// </summary>
    [Fact]
    public void CachedLogitsEqualFullPassLogits()
    {
        foreach (var cfg in new[] { TinyLlama with { Layers = 3 }, ModelConfig.Micro with { Layers = 3 } })
        {
            manual_seed(22);
            var model = ModelFactory.Create(cfg);
            model.eval();
            long[] ids = { 256, 3, 99, 42, 7, 250 };
            var full = Logits(model, ids);
            using var _ = no_grad();
            using var cache = new KvCache(model.Config.Layers);
            using var first = model.Forward(tensor(ids.Take(4).ToArray(), new long[] { 1, 4 }), cache);
            using var rest = model.Forward(tensor(ids.Skip(4).ToArray(), new long[] { 1, 2 }), cache);
            Assert.True(full.narrow(1, 0, 4).allclose(first, 1e-5, 1e-5), $"{cfg.Family}: prompt pass differs");
            Assert.True(full.narrow(1, 4, 2).allclose(rest, 1e-5, 1e-5), $"{cfg.Family}: continuation differs");
        }
    }

    [Fact]
    public void SampledLogProbEqualsScore()
    {
        var model = Trained.Value;
        var tok = new ByteTokenizer();
        var gen = TextGenerator.Generate(model, tok, Enumerable.Repeat<string?>(null, 12).ToArray(), new SamplerSettings { Seed = 5 });
        var scores = SequenceScorer.Score(model, tok, gen.Select(g => g.Text).ToArray());
        int compared = 0;
        for (int i = 0; i < gen.Count; i++)
        {
            if (!gen[i].Canonical) continue;
            Assert.Equal(gen[i].LogProb, scores[i], 3);
            compared++;
        }
        Assert.True(compared >= 3, $"only {compared} samples round-tripped");
    }

    [Fact]
    public void CausalpoCheckpointOfALlamaRoundTrips()
    {
        manual_seed(23);
        var model = ModelFactory.Create(TinyLlama with { TiedEmbeddings = false, AttentionBias = true, OutputBias = true, MlpBias = true });
        var dir = TempDir();
        Checkpoint.Save(model, new ByteTokenizer(), dir);
        var (loaded, _) = Checkpoint.Load(dir);
        Assert.Equal(model.Config, loaded.Config);
        Assert.Equal(Values(Logits(model, 256, 1, 2, 3)), Values(Logits(loaded, 256, 1, 2, 3)));
    }

    [Fact]
    public void HiddenIsTheFinalNormOutputTheHeadReads()
    {
        manual_seed(24);
        var model = ModelFactory.Create(TinyLlama);
        model.eval();
        using var _ = no_grad();
        using var ids = tensor(new long[] { 256, 5, 6 }, new long[] { 1, 3 });
        using var h = model.Hidden(ids);
        Assert.Equal(new long[] { 1, 3, 16 }, h.shape);
        var emb = model.named_parameters().First(p => p.name == "model.embed_tokens.weight").parameter;
        Assert.True(h.matmul(emb.t()).allclose(model.forward(ids), 1e-5, 1e-5));
    }

    [Fact]
    public void TooLongSequencesAreRefused()
    {
        var model = ModelFactory.Create(TinyLlama with { ContextLength = 4 });
        using var ids = zeros(1, 5, dtype: ScalarType.Int64);
        Assert.Throws<ArgumentException>(() => model.forward(ids));
    }
}
