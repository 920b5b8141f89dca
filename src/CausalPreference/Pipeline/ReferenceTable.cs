using System.Text.Json;
using CausalPreference.IO;
using CausalPreference.Models;
using CausalPreference.Text;

namespace CausalPreference.Pipeline;

/// <summary>
/// log P̂^R(X_i) (or log P^{f0}) for every text under a frozen model, computed once and cached in
/// <c>CACHE/logp-&lt;fingerprint&gt;.json</c>, where the fingerprint covers the model's weights, the tokenizer, the
/// context length, the texts and prompts. A cached table is reused without recomputation and recomputed when any
/// of them changes. This is the "reference table" of docs/math.md#reference-table, done once instead of every step.
/// </summary>
public static class ReferenceTable
{
    /// <summary>A cached table, as stored in <c>logp-&lt;fingerprint&gt;.json</c>.</summary>
    /// <param name="Fingerprint">The fingerprint of the model, tokenizer, context length, texts and prompts the table was computed for.</param>
    /// <param name="Model">The model's path as given (for people reading the cache; the fingerprint decides reuse).</param>
    /// <param name="Count">Number of texts.</param>
    /// <param name="LogProb">log P(X_i | prompt_i) in nats for each text, in input order (text tokens and EOS; see <see cref="TokenBatch"/>).</param>
    public sealed record Entry(string Fingerprint, string Model, int Count, double[] LogProb);

    /// <summary>log P(X_i | prompt_i) under <paramref name="model"/> (loaded from <paramref name="modelPath"/>) for each of
    /// <paramref name="texts"/>, from the cache in <paramref name="cacheDir"/> when it holds a matching table (cached =
    /// true), otherwise scored now and saved there. <paramref name="prompts"/> is null, or one prompt (or null) per text;
    /// <paramref name="progress"/> receives the number of texts scored.</summary>
    public static (double[] logp, bool cached) Get(string modelPath, CausalLM model, ITokenizer tok, IReadOnlyList<string> texts,
        IReadOnlyList<string?>? prompts, string cacheDir, IProgress<int>? progress = null)
    {
        var fp = Fingerprint.Of(Fingerprint.OfModel(modelPath), tok.Kind, model.Config.ContextLength.ToString(), Fingerprint.OfTexts(texts, prompts));
        var file = Path.Combine(cacheDir, $"logp-{fp}.json");
        if (File.Exists(file))
        {
            try
            {
                var e = JsonSerializer.Deserialize<Entry>(File.ReadAllText(file));
                if (e != null && e.Fingerprint == fp && e.LogProb.Length == texts.Count) return (e.LogProb, true);
            }
            catch (JsonException) { /* a corrupt cache entry is recomputed */ }
        }
        var lp = SequenceScorer.Score(model, tok, texts, prompts, progress: progress);
        AtomicFile.WriteAllText(file, JsonSerializer.Serialize(new Entry(fp, modelPath, texts.Count, lp)));
        return (lp, false);
    }
}
