using System.Text.Json;
using CausalPreference.IO;
using CausalPreference.Models;
using CausalPreference.Text;

namespace CausalPreference.Pipeline;

/// <summary>
/// The unlabeled samples X̃_j ~ f0 of DR-CPO and OO-RLHF, with log P^{f0}(X̃_j) of the sampler actually used
/// (pure ancestral sampling by default, so it is f0's own density). m is chosen freely (Prop 4.5 favours m ≫ n).
/// Where the data has prompts, each X̃ continues a prompt drawn (seeded, with replacement) from the data's prompts and
/// its density is the conditional one, log P^{f0}(X̃ | prompt). Samples are cached by (f0, m, prompts, sampler, seed).
/// </summary>
public static class UnlabeledSamples
{
    /// <summary>A drawn set of unlabeled samples, as cached in <c>xtilde-&lt;fingerprint&gt;.json</c>.</summary>
    /// <param name="Texts">The samples X̃_j, m of them.</param>
    /// <param name="Prompts">The prompt each sample continues; null when the data has no prompts.</param>
    /// <param name="F0Logp">log P^{f0}(X̃_j) (or log P^{f0}(X̃_j | prompt_j)) in nats, the density of the sampler that drew it.</param>
    /// <param name="NonCanonical">How many samples do not re-encode to the tokens drawn (see <see cref="GeneratedText.Canonical"/>).</param>
    public sealed record Set(string[] Texts, string?[]? Prompts, double[] F0Logp, int NonCanonical);

    /// <summary>m samples from <paramref name="f0"/> (loaded from <paramref name="f0Path"/>) with <paramref name="sampler"/>:
    /// from the cache in <paramref name="cacheDir"/> when it holds a set for the same model, m, prompts, sampler and seed
    /// (cached = true), otherwise drawn now and saved there. When <paramref name="promptPool"/> has a non-empty prompt, each
    /// sample continues a prompt drawn from it with replacement (seeded by the sampler's seed); otherwise samples are
    /// unconditional. <paramref name="progress"/> receives the number drawn. Throws <see cref="InputException"/> when
    /// <paramref name="m"/> &lt; 1.</summary>
    public static (Set set, bool cached) Get(string f0Path, CausalLM f0, ITokenizer tok, int m, IReadOnlyList<string?>? promptPool,
        SamplerSettings sampler, string cacheDir, IProgress<int>? progress = null)
    {
        if (m < 1) throw new InputException($"the number of unlabeled samples m must be at least 1 (got {m})");
        string?[]? prompts = null;
        if (promptPool is { Count: > 0 } && promptPool.Any(p => !string.IsNullOrEmpty(p)))
        {
            var rng = new Random((int)(sampler.Seed % int.MaxValue));
            prompts = Enumerable.Range(0, m).Select(_ => promptPool[rng.Next(promptPool.Count)]).ToArray();
        }
        var fp = Fingerprint.Of(Fingerprint.OfModel(f0Path), tok.Kind, m.ToString(), sampler.ToString(),
            prompts is null ? "" : Fingerprint.OfTexts(prompts.Select(p => p ?? "").ToArray()));
        var file = Path.Combine(cacheDir, $"xtilde-{fp}.json");
        if (File.Exists(file))
        {
            try
            {
                var s = JsonSerializer.Deserialize<Set>(File.ReadAllText(file));
                if (s != null && s.Texts.Length == m) return (s, true);
            }
            catch (JsonException) { }
        }
        var gen = TextGenerator.Generate(f0, tok, prompts ?? new string?[m], sampler, progress);
        var set = new Set(gen.Select(g => g.Text).ToArray(), prompts, gen.Select(g => g.LogProb).ToArray(), gen.Count(g => !g.Canonical));
        AtomicFile.WriteAllText(file, JsonSerializer.Serialize(set));
        return (set, false);
    }
}
