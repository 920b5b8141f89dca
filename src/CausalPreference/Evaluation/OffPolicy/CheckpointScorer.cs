using CausalPreference.Models;
using CausalPreference.Pipeline;
using CausalPreference.Text;
using TorchSharp;

namespace CausalPreference.Evaluation.OffPolicy;

/// <summary>
/// Scores model folders (<see cref="Checkpoint.Load"/>) on the held-out rows, loading each model once and disposing it.
/// With <see cref="CacheDir"/> the scores and samples go through the fingerprinted caches (<see cref="ReferenceTable"/>,
/// <see cref="UnlabeledSamples"/>); with <see cref="StoredSamples"/> the policy samples are ones drawn earlier.
/// </summary>
/// <param name="paths">The folder of every model, by name.</param>
/// <param name="rows">The held-out rows.</param>
/// <param name="device">Where the models run (null = CPU).</param>
public sealed class CheckpointScorer(IReadOnlyDictionary<string, string> paths, HeldoutRows rows, torch.Device? device) : IPolicyScorer
{
    /// <summary>Cache folder of scores and samples; null computes them every time.</summary>
    public string? CacheDir { get; init; }

    /// <summary>Texts to sample from each model, m.</summary>
    public int PolicySamples { get; init; }

    /// <summary>The sampler for a model's tokenizer (its seed included).</summary>
    public Func<ITokenizer, SamplerSettings> Sampler { get; init; } = _ => new SamplerSettings();

    /// <summary>Policy samples drawn earlier, by model name; null samples here.</summary>
    public Func<string, string[]>? StoredSamples { get; init; }

    /// <inheritdoc/>
    public PolicyScores Score(string model, bool withSamples)
    {
        var path = paths[model];
        using var loaded = LoadedModel.Open(path, device); // disposed when scored (a large model frees its weights)
        var (lm, tok) = loaded;
        double[] logp;
        bool scoresCached = false;
        if (CacheDir != null) (logp, scoresCached) = ReferenceTable.Get(path, lm, tok, rows.Texts, rows.Prompts, CacheDir);
        else logp = SequenceScorer.Score(lm, tok, rows.Texts, rows.Prompts);
        int truncated = 0;
        for (int i = 0; i < rows.Count; i++)
        {
            int plen = rows.Prompts?[i] is { Length: > 0 } p ? tok.Encode(p).Length : 0;
            if (1 + plen + tok.Encode(rows.Texts[i]).Length + 1 > lm.Config.ContextLength) truncated++;
        }
        if (!withSamples) return new PolicyScores(logp, null, scoresCached, false, truncated);
        if (StoredSamples != null) return new PolicyScores(logp, StoredSamples(model), scoresCached, true, truncated);
        if (CacheDir != null)
        {
            var (set, samplesCached) = UnlabeledSamples.Get(path, lm, tok, PolicySamples, rows.Prompts, Sampler(tok), CacheDir);
            return new PolicyScores(logp, set.Texts, scoresCached, samplesCached, truncated, set.NonCanonical);
        }
        var gen = TextGenerator.Generate(lm, tok, new string?[PolicySamples], Sampler(tok));
        return new PolicyScores(logp, gen.Select(x => x.Text).ToArray(), scoresCached, false, truncated, gen.Count(x => !x.Canonical));
    }
}
