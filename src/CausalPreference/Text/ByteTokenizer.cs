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
    public string Kind => "byte";
    public int VocabSize => 259;
    public int BosId => 256;
    public int EosId => 257;
    public int PadId => 258;

    public int[] Encode(string text)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        var ids = new int[bytes.Length];
        for (int i = 0; i < bytes.Length; i++) ids[i] = bytes[i];
        return ids;
    }

    public string Decode(IReadOnlyList<int> ids)
    {
        var bytes = new List<byte>(ids.Count);
        foreach (var id in ids)
            if (id is >= 0 and < 256) bytes.Add((byte)id);
        return Encoding.UTF8.GetString(bytes.ToArray());
    }

    public void Save(string dir) =>
        AtomicFile.WriteAllText(Path.Combine(dir, Tokenizers.ConfigFile), JsonSerializer.Serialize(new { kind = Kind }));
}
