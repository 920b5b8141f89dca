using CausalPreference.Models;
using CausalPreference.Text;
using static TorchSharp.torch;

namespace CausalPreference.Tests;

/// <summary>Briefly trains a small model on a few ASCII words, so that its samples are mostly valid UTF-8 and round-trip.</summary>
public static class AsciiTraining
{
    public static CausalLM Train(ModelConfig config, int steps)
    {
        manual_seed(0);
        var m = ModelFactory.Create(config);
        var texts = Enumerable.Range(0, 64).Select(i => new[] { "abc", "hello", "xyz q", "ab ab" }[i % 4]).ToArray();
        var opt = optim.Adam(m.parameters(), 1e-2);
        var tok = new ByteTokenizer();
        for (int s = 0; s < steps; s++)
        {
            using var scope = NewDisposeScope();
            using var b = TokenBatch.Create(tok, texts.Skip(s % 4 * 16).Take(16).ToArray(), config.ContextLength);
            opt.zero_grad();
            (-SequenceScorer.LogProb(m, b).mean()).backward();
            opt.step();
        }
        return m;
    }
}
