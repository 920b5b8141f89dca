using System.Text;
using System.Text.Json;
using CausalPreference.IO;

namespace CausalPreference.Text;

/// <summary>
/// The built-in <c>tiny</c> model's tokenizer: UTF-8 bytes 0..255 plus BOS (256), EOS (257) and PAD (258).
/// Why bytes: it needs no training and no vocabulary file, it never meets an unknown token (any text in any
/// language round-trips exactly), and for the short texts of direct-outcome data (headlines, ratings of
/// sentences) the longer sequences are cheap. Its weakness, sequence length on long documents, does not
/// matter for a model trained from scratch in minutes on a CPU.
/// </summary>
public sealed class ByteTokenizer : ITokenizer
{
    /// <summary>"byte".</summary>
    public string Kind => "byte";
    /// <summary>259: the 256 byte values, BOS, EOS and PAD.</summary>
    public int VocabSize => 259;
    /// <summary>256, the first id after the bytes.</summary>
    public int BosId => 256;
    /// <summary>257.</summary>
    public int EosId => 257;
    /// <summary>258.</summary>
    public int PadId => 258;

    /// <summary>The UTF-8 bytes of <paramref name="text"/>, one id (0–255) each.</summary>
    public int[] Encode(string text)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        var ids = new int[bytes.Length];
        for (int i = 0; i < bytes.Length; i++) ids[i] = bytes[i];
        return ids;
    }

    /// <summary>The ids 0–255 as UTF-8 bytes (BOS, EOS, PAD and ids out of range dropped); an invalid byte sequence becomes
    /// U+FFFD, so the text may not re-encode to <paramref name="ids"/>.</summary>
    public string Decode(IReadOnlyList<int> ids)
    {
        var bytes = new List<byte>(ids.Count);
        foreach (var id in ids)
            if (id is >= 0 and < 256) bytes.Add((byte)id);
        return Encoding.UTF8.GetString(bytes.ToArray());
    }

    /// <summary>Writes <c>causalpo_tokenizer.json</c> (<c>{"kind": "byte"}</c>) into <paramref name="dir"/>; there is no
    /// vocabulary file.</summary>
    public void Save(string dir) =>
        AtomicFile.WriteAllText(Path.Combine(dir, Tokenizers.ConfigFile), JsonSerializer.Serialize(new { kind = Kind }));
}
