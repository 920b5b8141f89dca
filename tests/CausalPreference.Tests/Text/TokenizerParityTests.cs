using CausalPreference.Tests.Models;
using CausalPreference.Text;

namespace CausalPreference.Tests.Text;

/// <summary>
/// Token ids against Hugging Face's tokenizers library (the Rust crate; tools/hf-fixtures/make_tokenizers.mjs wrote the
/// tokenizer.json files and the ids): byte-level BPE (GPT-2, Qwen2 with NFC, Llama 3 with its Split regex and
/// ignore_merges), SentencePiece-style BPE with byte fallback (Mistral: Prepend + Replace; Metaspace with Digits), NFKC and
/// NFD, and a Sequence of normalizers (NFKC, Strip, Lowercase, Replace by regex, Prepend). The ids must match exactly.
/// </summary>
[Collection(TorchSerialCollection.Name)]
public class TokenizerParityTests
{
    static void AssertMatchesReference(string name)
    {
        var dir = HfFixtures.Folder(name);
        var file = File.Exists(Path.Combine(dir, "tokenizer_expected.json")) ? "tokenizer_expected.json" : "expected.json"; // model folders keep expected.json for their log-probs
        using var doc = HfFixtures.Json(dir, file);
        Assert.StartsWith("tokenizers ", doc.RootElement.GetProperty("reference").GetString());
        var tok = Tokenizers.Load(dir);
        Assert.Equal(doc.RootElement.GetProperty("vocab_size").GetInt32(), tok.VocabSize);
        var failures = new List<string>();
        foreach (var c in doc.RootElement.GetProperty("cases").EnumerateArray())
        {
            var text = c.GetProperty("text").GetString()!;
            var expected = c.GetProperty("ids").EnumerateArray().Select(x => x.GetInt32()).ToArray();
            var got = tok.Encode(text);
            if (!got.SequenceEqual(expected))
                failures.Add($"{Escape(text)}: [{string.Join(",", got)}], reference [{string.Join(",", expected)}]");
        }
        Assert.True(failures.Count == 0, $"{name}: {failures.Count} text(s) tokenized differently:\n" + string.Join("\n", failures));
    }

    static string Escape(string s) => string.Concat(s.Select(ch => ch is >= ' ' and < (char)0x7F ? ch.ToString() : $"\\u{(int)ch:X4}"));

    [Fact] public void Gpt2TokenizerMatchesReferenceIds() => AssertMatchesReference("gpt2");
    [Fact] public void Qwen2NfcTokenizerMatchesReferenceIds() => AssertMatchesReference("qwen2");
    [Fact] public void Llama3SplitTokenizerMatchesReferenceIds() => AssertMatchesReference("llama3");
    [Fact] public void MistralSentencePieceTokenizerMatchesReferenceIds() => AssertMatchesReference("mistral");
    [Fact] public void MetaspaceDigitsTokenizerMatchesReferenceIds() => AssertMatchesReference("tokenizers/metaspace-digits");
    [Fact] public void NfkcTokenizerMatchesReferenceIds() => AssertMatchesReference("tokenizers/nfkc");
    [Fact] public void NfdTokenizerMatchesReferenceIds() => AssertMatchesReference("tokenizers/nfd");
    [Fact] public void NormalizerSequenceTokenizerMatchesReferenceIds() => AssertMatchesReference("tokenizers/normalizer-sequence");
    [Fact] public void IgnoreMergesTokenizerMatchesReferenceIds() => AssertMatchesReference("tokenizers/ignore-merges");

    [Fact]
    public void Qwen2GivesDecomposedAndComposedCafeTheSameIds()
    {
        Assert.True(UnicodeNormalization.IsAvailable, UnicodeNormalization.Description);
        var tok = Tokenizers.Load(HfFixtures.Folder("qwen2"));
        Assert.Equal(tok.Encode("Caf\u00e9"), tok.Encode("Cafe\u0301"));
        Assert.NotEqual(Tokenizers.Load(HfFixtures.Folder("gpt2")).Encode("Caf\u00e9"), Tokenizers.Load(HfFixtures.Folder("gpt2")).Encode("Cafe\u0301")); // no normalizer
    }
}
