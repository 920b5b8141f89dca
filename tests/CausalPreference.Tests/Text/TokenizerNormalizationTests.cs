using System.Text;
using CausalPreference.Text;
using CausalPreference.Tests.Models;
using static CausalPreference.Tests.Models.Fixtures;

namespace CausalPreference.Tests.Text;

/// <summary>
/// Unicode normalizers in tokenizer.json (Qwen2 uses NFC): the tool runs with invariant globalization, under which .NET's
/// string.Normalize returns its input unchanged, so a decomposed "Cafe\u0301" was tokenized differently from "Café"
/// although the reference tokenizer normalizes both to the same ids.
/// </summary>
[Collection(TorchSerialCollection.Name)]
public class TokenizerNormalizationTests
{
    // byte-level characters: C a f e; "Ã" "©" are é's UTF-8 bytes C3 A9; "Ì" "ģ" are U+0301's bytes CC 81; "ï¬ģ" is ﬁ (EF AC 81)
    static readonly string[] Tokens = { "C", "a", "f", "e", "i", "Ã", "©", "Ì", "ģ", "ï", "¬", "Ã©", "Ca", "Caf", "CafÃ©", "fi" };
    static readonly string[] Merges = { "Ã ©", "C a", "Ca f", "Caf Ã©", "f i" };

    static TokenizerJson Folder(string normalizer)
    {
        var dir = TempDir();
        var vocab = Tokens.Select((t, i) => (t, i)).ToDictionary(x => x.t, x => x.i);
        WriteJson(Path.Combine(dir, "tokenizer.json"), new
        {
            version = "1.0",
            added_tokens = new[] { new { id = Tokens.Length, content = "<|endoftext|>", special = true } },
            normalizer = new { type = normalizer },
            pre_tokenizer = new { type = "ByteLevel", add_prefix_space = false, trim_offsets = true, use_regex = true },
            decoder = new { type = "ByteLevel" },
            model = new { type = "BPE", vocab, merges = Merges },
        });
        return TokenizerJson.Load(dir);
    }

    [Fact]
    public void NfcGivesDecomposedAndComposedTextTheSameIds()
    {
        Assert.True(UnicodeNormalization.IsAvailable, UnicodeNormalization.Description);
        var tok = Folder("NFC");
        Assert.Equal(new[] { 14 }, tok.Encode("Caf\u00e9"));          // C a f Ã © → Ã© → Ca → Caf → Café
        Assert.Equal(new[] { 14 }, tok.Encode("Cafe\u0301"));         // e + combining acute composes to é first
        Assert.Equal(new[] { 13, 3, 7, 8 }, Folder("NFD").Encode("Caf\u00e9")); // NFD splits é: Caf e Ì ģ
    }

    [Fact]
    public void NfkcFoldsCompatibilityCharacters()
    {
        Assert.Equal(new[] { 15 }, Folder("NFKC").Encode("\uFB01")); // the ligature ﬁ becomes "fi"
        Assert.Equal(new[] { 9, 10, 8 }, Folder("NFC").Encode("\uFB01")); // NFC keeps it: its three UTF-8 bytes
    }

    [Fact]
    public void TheIcuNormalizerAgreesWithKnownForms()
    {
        Assert.Equal("Caf\u00e9", UnicodeNormalization.Normalize("Cafe\u0301", NormalizationForm.FormC));
        Assert.Equal("Cafe\u0301", UnicodeNormalization.Normalize("Caf\u00e9", NormalizationForm.FormD));
        Assert.Equal("fi1", UnicodeNormalization.Normalize("\uFB01\u2460", NormalizationForm.FormKC));
        Assert.Equal(18, UnicodeNormalization.Normalize("\uFDFA", NormalizationForm.FormKD).Length); // one code point → 18: the buffer grows
        Assert.Equal("\uAC00", UnicodeNormalization.Normalize("\u1100\u1161", NormalizationForm.FormC)); // Hangul jamo compose
    }
}
