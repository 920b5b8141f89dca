using CausalPreference.Models;
using CausalPreference.Text;
using CausalPreference.Tests.Models;
using static CausalPreference.Tests.Models.Fixtures;

namespace CausalPreference.Tests.Text;

/// <summary>Small hand-built tokenizer.json fixtures whose encodings are worked out by hand in the comments.</summary>
[Collection(TorchSerialCollection.Name)]
public class TokenizerJsonTests
{
    // ---- byte-level BPE (GPT-2 style): "Ġ" is the byte-level character of a space (byte 0x20 ↦ U+0120) ----
    static readonly string[] ByteLevelTokens = { "h", "e", "l", "o", "Ġ", "w", "r", "d", "Ã", "©", "he", "ll", "hell", "hello", "Ġw", "or", "Ġwor", "!" };
    static readonly string[] ByteLevelMerges = { "h e", "l l", "he ll", "hell o", "Ġ w", "o r", "Ġw or" };

    static string ByteLevelFolder()
    {
        var dir = TempDir();
        var vocab = ByteLevelTokens.Select((t, i) => (t, i)).ToDictionary(x => x.t, x => x.i);
        WriteJson(Path.Combine(dir, "tokenizer.json"), new
        {
            version = "1.0",
            added_tokens = new[] { new { id = 18, content = "<|endoftext|>", special = true } },
            normalizer = (object?)null,
            pre_tokenizer = new { type = "ByteLevel", add_prefix_space = false, trim_offsets = true, use_regex = true },
            decoder = new { type = "ByteLevel" },
            model = new { type = "BPE", vocab, merges = ByteLevelMerges },
        });
        WriteJson(Path.Combine(dir, "tokenizer_config.json"), new { bos_token = "<|endoftext|>", eos_token = "<|endoftext|>" });
        return dir;
    }

    static void AssertByteLevelEncodings(ITokenizer tok)
    {
        Assert.Equal(new[] { 13, 16, 2, 7 }, tok.Encode("hello world"));   // hello | Ġ w o r l d → Ġw → or → Ġwor; l d stay
        Assert.Equal(new[] { 11, 2 }, tok.Encode("lll"));                   // l l l: equal ranks merge leftmost first
        Assert.Equal(new[] { 13, 4, 16, 2, 7 }, tok.Encode("hello  world")); // the regex keeps one space apart: "hello", " ", " world"
        Assert.Equal(new[] { 13, 17, 18 }, tok.Encode("hello!<|endoftext|>"));
        Assert.Equal(new[] { 8, 9 }, tok.Encode("é"));                      // UTF-8 C3 A9 ↦ "Ã" "©"
        Assert.Equal("é", tok.Decode(new[] { 8, 9 }));
        Assert.Equal("hello  world", tok.Decode(tok.Encode("hello  world<|endoftext|>"))); // special tokens are not decoded
        Assert.Equal(18, tok.BosId);
        Assert.Equal(18, tok.EosId);
        Assert.Equal(19, tok.VocabSize);
    }

    [Fact]
    public void ByteLevelBpeEncodesAsWorkedOutByHand() => AssertByteLevelEncodings(TokenizerJson.Load(ByteLevelFolder()));

    [Fact]
    public void Gpt2VocabAndMergesFilesGiveTheSameTokenizer()
    {
        var dir = TempDir();
        var vocab = ByteLevelTokens.Append("<|endoftext|>").Select((t, i) => (t, i)).ToDictionary(x => x.t, x => x.i);
        WriteJson(Path.Combine(dir, "vocab.json"), vocab);
        File.WriteAllText(Path.Combine(dir, "merges.txt"), "#version: 0.2\n" + string.Join("\n", ByteLevelMerges) + "\n");
        WriteJson(Path.Combine(dir, "config.json"), new { model_type = "gpt2", bos_token_id = 18, eos_token_id = 18 });
        var tok = Tokenizers.Load(dir);
        AssertByteLevelEncodings(tok);
        var copy = TempDir();
        tok.Save(copy);
        AssertByteLevelEncodings(Tokenizers.Load(copy));
    }

    // ---- SentencePiece-style BPE with byte fallback (Llama 2 style): "▁" stands for a space and is prepended ----
    static readonly string[] SpTokens = { "▁", "h", "i", "t", "e", "r", "▁h", "▁hi", "▁t", "he", "▁the", "re", "▁there" }; // ids 259..271
    static readonly string[] SpMerges = { "▁ h", "▁h i", "▁ t", "h e", "▁t he", "r e", "▁the re" };

    static string SentencePieceFolder(bool byteFallback = true, bool legacyMetaspace = false)
    {
        var dir = TempDir();
        var vocab = new Dictionary<string, int> { ["<unk>"] = 0, ["<s>"] = 1, ["</s>"] = 2 };
        for (int b = 0; b < 256; b++) vocab[$"<0x{b:X2}>"] = 3 + b;
        for (int i = 0; i < SpTokens.Length; i++) vocab[SpTokens[i]] = 259 + i;
        object? normalizer = legacyMetaspace ? null : new
        {
            type = "Sequence",
            normalizers = new object[] { new { type = "Prepend", prepend = "▁" }, new { type = "Replace", pattern = new { String = " " }, content = "▁" } },
        };
        object? preTokenizer = legacyMetaspace ? new { type = "Metaspace", replacement = "▁", add_prefix_space = true } : null;
        object decoder = legacyMetaspace ? new { type = "Metaspace", replacement = "▁", add_prefix_space = true } : new
        {
            type = "Sequence",
            decoders = new object[]
            {
                new { type = "Replace", pattern = new { String = "▁" }, content = " " }, new { type = "ByteFallback" }, new { type = "Fuse" },
                new { type = "Strip", content = " ", start = 1, stop = 0 },
            },
        };
        WriteJson(Path.Combine(dir, "tokenizer.json"), new
        {
            version = "1.0",
            added_tokens = new[] { new { id = 0, content = "<unk>", special = true }, new { id = 1, content = "<s>", special = true }, new { id = 2, content = "</s>", special = true } },
            normalizer, pre_tokenizer = preTokenizer, decoder,
            model = new { type = "BPE", unk_token = "<unk>", fuse_unk = true, byte_fallback = byteFallback, vocab, merges = SpMerges },
        });
        WriteJson(Path.Combine(dir, "tokenizer_config.json"), new
        {
            bos_token = new { content = "<s>", lstrip = false, normalized = false }, eos_token = new { content = "</s>", lstrip = false, normalized = false },
        });
        return dir;
    }

    [Fact]
    public void SentencePieceBpeEncodesAsWorkedOutByHand()
    {
        foreach (var legacy in new[] { false, true })
        {
            var tok = TokenizerJson.Load(SentencePieceFolder(legacyMetaspace: legacy));
            // "▁hi▁there": ▁ h → ▁h, ▁h i → ▁hi; ▁ t → ▁t, h e → he, ▁t he → ▁the, r e → re, ▁the re → ▁there
            Assert.Equal(new[] { 266, 271 }, tok.Encode("hi there"));
            Assert.Equal(new[] { 271 }, tok.Encode("there"));
            // "✓" is not in the vocabulary: its UTF-8 bytes E2 9C 93 become <0xE2> <0x9C> <0x93> (ids byte + 3)
            Assert.Equal(new[] { 266, 259, 0xE2 + 3, 0x9C + 3, 0x93 + 3 }, tok.Encode("hi ✓"));
            Assert.Equal("hi ✓", tok.Decode(tok.Encode("hi ✓")));
            Assert.Equal("hi there", tok.Decode(new[] { 1, 266, 271, 2 }));
            Assert.Empty(tok.Encode(""));
            Assert.Equal(1, tok.BosId);
            Assert.Equal(2, tok.EosId);
            Assert.Equal(272, tok.VocabSize);
        }
    }

    [Fact]
    public void WithoutByteFallbackUnknownCharactersBecomeOneFusedUnk()
    {
        var tok = TokenizerJson.Load(SentencePieceFolder(byteFallback: false));
        Assert.Equal(new[] { 266, 259, 0 }, tok.Encode("hi ✓✓"));
    }

    [Fact]
    public void SplitPreTokenizerWithIgnoreMergesTakesWholeVocabularyWords()
    {
        var dir = TempDir();
        var vocab = new Dictionary<string, int> { ["h"] = 0, ["e"] = 1, ["l"] = 2, ["o"] = 3, ["Ġ"] = 4, ["hello"] = 5, ["ll"] = 6, ["<|end|>"] = 7 };
        WriteJson(Path.Combine(dir, "tokenizer.json"), new
        {
            added_tokens = new[] { new { id = 7, content = "<|end|>", special = true } },
            pre_tokenizer = new
            {
                type = "Sequence",
                pretokenizers = new object[]
                {
                    new { type = "Split", pattern = new { Regex = @"\p{L}+|\s+" }, behavior = "Isolated", invert = false },
                    new { type = "ByteLevel", add_prefix_space = false, use_regex = false },
                },
            },
            decoder = new { type = "ByteLevel" },
            model = new { type = "BPE", ignore_merges = true, vocab, merges = new[] { "l l" } },
        });
        WriteJson(Path.Combine(dir, "tokenizer_config.json"), new { eos_token = "<|end|>" });
        var tok = TokenizerJson.Load(dir);
        // "hello" is a vocabulary word: taken whole although no merges build it; "hell" is not: h e ll
        Assert.Equal(new[] { 5, 4, 0, 1, 6 }, tok.Encode("hello hell"));
        Assert.Equal(7, tok.BosId); // no BOS anywhere: EOS stands in
        Assert.Equal("hello hell", tok.Decode(tok.Encode("hello hell")));
    }

    [Fact]
    public void HfFolderWithTokenizerJsonLoadsAsAModelAndSavesBack()
    {
        var tokDir = SentencePieceFolder();
        var tok = TokenizerJson.Load(tokDir);
        Torch();
        var model = ModelFactory.Create(TinyLlama with { VocabSize = tok.VocabSize, Tokenizer = tok.Kind });
        var dir = TempDir();
        HfFormat.Save(model, tok, dir);
        Assert.True(File.Exists(Path.Combine(dir, "tokenizer.json")));
        var (loaded, loadedTok) = Checkpoint.Load(dir);
        Assert.Equal("hf", loadedTok.Kind);
        Assert.Equal(tok.Encode("hi there ✓"), loadedTok.Encode("hi there ✓"));
        var score = SequenceScorer.Score(loaded, loadedTok, new[] { "hi there" })[0];
        Assert.Equal(SequenceScorer.Score(model, tok, new[] { "hi there" })[0], score, 9);

        var ckpt = TempDir();
        Checkpoint.Save(loaded, loadedTok, ckpt); // causalpo format: the tokenizer files travel along
        Assert.Equal(tok.Encode("hi there"), Checkpoint.Load(ckpt).tok.Encode("hi there"));
    }

    static void Torch() => TorchSharp.torch.manual_seed(41);
}
