using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using CausalPreference.IO;

namespace CausalPreference.Text;

/// <summary>
/// Learns a byte-level BPE tokenizer (GPT-2's scheme) from training texts, for a model trained from scratch.
/// The base alphabet is the 256 bytes, so every string encodes and decodes exactly (the byte fallback is built in);
/// on top come merges learned the classic way: texts are split into words (<see cref="WordPattern"/>: a word keeps its
/// leading space and its apostrophes: " Man", " Who's", "?"), and the most frequent adjacent pair of symbols across all words is merged,
/// again and again, until the vocabulary is full or every word is one token. Ties go to the pair of lowest ids
/// (earliest tokens), so the result depends only on the texts and the size. Pairs that occur once are merged too (last):
/// a word of the training texts that is one token is a word the model can only write whole, never misspell. One token, &lt;|endoftext|&gt;, serves as BOS, EOS
/// and padding, as in GPT-2. The result is an ordinary Hugging Face tokenizer.json (model BPE; pre-tokenizer
/// Split by <see cref="WordPattern"/>, then ByteLevel; ByteLevel decoder), read back by <see cref="TokenizerJson"/>.
/// </summary>
public static class BpeLearner
{
    /// <summary>Smallest vocabulary: the 256 bytes and the end-of-text token (no merges).</summary>
    public const int MinVocabSize = 257;
    /// <summary>Largest vocabulary accepted (a guard against typos; the built-in models are tiny).</summary>
    public const int MaxVocabSize = 65536;
    /// <summary>The default, chosen by measurement on configs/upworthy.json's 478 headlines (bench/word-coverage.sh, FT as
    /// the pipeline runs it): every word of a few hundred headlines becomes one token (3,974 tokens there), and 86% of the
    /// words FT then writes occur in the training texts, against 68% with 2,048 tokens and 16% with bytes.</summary>
    public const int DefaultVocabSize = 4096;
    /// <summary>The one special token of a learned tokenizer (the last id): BOS, EOS and PAD at once, as in GPT-2.</summary>
    public const string EndOfText = "<|endoftext|>";

    /// <summary>How texts are split into words before merging (and before encoding: the tokenizer.json's Split
    /// pre-tokenizer): GPT-2's rule with apostrophes kept inside words and digits with letters, so "didn't", "Mom's" and
    /// "3D" can become single tokens; punctuation runs and whitespace are pieces of their own; a word keeps its leading space.</summary>
    public const string WordPattern = @" ?[\p{L}\p{N}\p{M}'’]+| ?[^\s\p{L}\p{N}\p{M}'’]+|\s+(?!\S)|\s+";

    static readonly Regex Words = new(WordPattern, RegexOptions.CultureInvariant);

    /// <summary>Learns the tokenizer; <paramref name="vocabSize"/> counts bytes, merges and the end token (fewer when
    /// every word of the texts is already one token).</summary>
    public static TokenizerJson Learn(IReadOnlyList<string> texts, int vocabSize) =>
        TokenizerJson.FromJson(LearnJson(texts, vocabSize), "learned tokenizer");

    /// <summary>The learned tokenizer as tokenizer.json text.</summary>
    public static string LearnJson(IReadOnlyList<string> texts, int vocabSize)
    {
        if (vocabSize < MinVocabSize || vocabSize > MaxVocabSize)
            throw new InputException($"the vocabulary size must be between {MinVocabSize} (the 256 bytes and the end token) and {MaxVocabSize}; got {vocabSize}");
        var (vocab, merges) = LearnMerges(texts, vocabSize - MinVocabSize);
        var vocabJson = new JsonObject();
        for (int i = 0; i < vocab.Count; i++) vocabJson[vocab[i]] = i;
        int end = vocab.Count;
        vocabJson[EndOfText] = end;
        var byteLevel = new JsonObject { ["type"] = "ByteLevel", ["add_prefix_space"] = false, ["trim_offsets"] = true, ["use_regex"] = false };
        var split = new JsonObject { ["type"] = "Split", ["pattern"] = new JsonObject { ["Regex"] = WordPattern }, ["behavior"] = "Isolated", ["invert"] = false };
        var root = new JsonObject
        {
            ["version"] = "1.0",
            ["truncation"] = null,
            ["padding"] = null,
            ["added_tokens"] = new JsonArray(new JsonObject
            {
                ["id"] = end, ["content"] = EndOfText, ["single_word"] = false, ["lstrip"] = false, ["rstrip"] = false,
                ["normalized"] = false, ["special"] = true,
            }),
            ["normalizer"] = null,
            ["pre_tokenizer"] = new JsonObject { ["type"] = "Sequence", ["pretokenizers"] = new JsonArray(split, byteLevel.DeepClone()) },
            ["post_processor"] = null,
            ["decoder"] = byteLevel.DeepClone(),
            ["model"] = new JsonObject
            {
                ["type"] = "BPE", ["dropout"] = null, ["unk_token"] = null, ["continuing_subword_prefix"] = null, ["end_of_word_suffix"] = null,
                ["fuse_unk"] = false, ["byte_fallback"] = false, ["ignore_merges"] = false,
                ["vocab"] = vocabJson,
                ["merges"] = new JsonArray(merges.Select(m => (JsonNode)JsonValue.Create($"{m.left} {m.right}")!).ToArray()),
            },
        };
        return root.ToJsonString(new JsonSerializerOptions { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
    }

    /// <summary>The byte-level words of the texts (<see cref="WordPattern"/>, bytes shown as GPT-2's printable characters) with their counts.</summary>
    public static Dictionary<string, int> WordCounts(IEnumerable<string> texts)
    {
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var text in texts)
            foreach (Match m in Words.Matches(text))
            {
                if (m.Length == 0) continue;
                var bytes = Encoding.UTF8.GetBytes(m.Value);
                var chars = new char[bytes.Length];
                for (int i = 0; i < bytes.Length; i++) chars[i] = TokenizerJson.ByteToChar[bytes[i]];
                var w = new string(chars);
                counts[w] = counts.GetValueOrDefault(w) + 1;
            }
        return counts;
    }

    /// <summary>The vocabulary (bytes first, in byte order, then one token per merge) and the merges in rank order.</summary>
    public static (List<string> vocab, List<(string left, string right)> merges) LearnMerges(IReadOnlyList<string> texts, int maxMerges)
    {
        var vocab = Enumerable.Range(0, 256).Select(b => TokenizerJson.ByteToChar[b].ToString()).ToList();
        var idOf = vocab.Select((t, i) => (t, i)).ToDictionary(x => x.t, x => x.i, StringComparer.Ordinal);
        var counts = WordCounts(texts).OrderBy(kv => kv.Key, StringComparer.Ordinal).ToArray();
        var words = counts.Select(kv => kv.Key.Select(c => idOf[c.ToString()]).ToList()).ToArray();
        var freq = counts.Select(kv => kv.Value).ToArray();
        var pairCount = new Dictionary<(int, int), long>();
        var where = new Dictionary<(int, int), HashSet<int>>();
        void Count(int w, int sign)
        {
            var s = words[w];
            for (int i = 0; i + 1 < s.Count; i++)
            {
                var p = (s[i], s[i + 1]);
                pairCount[p] = pairCount.GetValueOrDefault(p) + sign * freq[w];
                if (sign > 0) { if (!where.TryGetValue(p, out var set)) where[p] = set = new HashSet<int>(); set.Add(w); }
            }
        }
        for (int w = 0; w < words.Length; w++) Count(w, +1);
        var merges = new List<(string, string)>();
        while (merges.Count < maxMerges)
        {
            (int a, int b) best = (-1, -1);
            long bestCount = 0;
            foreach (var (p, c) in pairCount)
                if (c > bestCount || c == bestCount && best.a >= 0 && (p.Item1 < best.a || p.Item1 == best.a && p.Item2 < best.b))
                    (best, bestCount) = (p, c);
            if (best.a < 0) break;
            int merged = vocab.Count;
            vocab.Add(vocab[best.a] + vocab[best.b]);
            merges.Add((vocab[best.a], vocab[best.b]));
            foreach (var w in where[best].OrderBy(x => x).ToArray())
            {
                Count(w, -1);
                var s = words[w];
                var next = new List<int>(s.Count);
                for (int i = 0; i < s.Count; i++)
                    if (i + 1 < s.Count && s[i] == best.a && s[i + 1] == best.b) { next.Add(merged); i++; }
                    else next.Add(s[i]);
                words[w] = next;
                Count(w, +1);
            }
            pairCount.Remove(best);
            where.Remove(best);
            foreach (var p in pairCount.Where(kv => kv.Value == 0).Select(kv => kv.Key).ToList()) { pairCount.Remove(p); where.Remove(p); }
        }
        return (vocab, merges);
    }
}
