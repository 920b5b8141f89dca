using System.Text;
using System.Text.Json;
using CausalPreference.IO;

namespace CausalPreference.Text;

/// <summary>
/// llama2.c's tokenizer file (tokenizer.bin, tok512.bin, ...): int32 max_token_length, then per token a float32 score,
/// an int32 byte length and the UTF-8 bytes. It is a SentencePiece BPE vocabulary exported with "▁" written as a
/// space; ids 3..258 are the byte-fallback tokens &lt;0x00&gt;..&lt;0xFF&gt;, 0 is &lt;unk&gt;, 1 BOS, 2 EOS.
/// Encoding follows llama2.c's <c>encode</c>: a dummy space is put in front of non-empty text, each UTF-8 character
/// becomes its token (or its bytes' fallback tokens), then the adjacent pair whose merged piece has the highest score
/// is merged, leftmost first, until no merged piece is in the vocabulary. Decoding drops that leading space.
/// </summary>
public sealed class Llama2cTokenizer : ITokenizer
{
    public const string FileName = "tokenizer.bin";
    readonly string[] _pieces;
    readonly float[] _scores;
    readonly int _maxTokenLength;
    readonly Dictionary<string, int> _lookup = new(StringComparer.Ordinal);

    public string Kind => "llama2c";
    public int VocabSize => _pieces.Length;
    public int BosId => 1;
    public int EosId => 2;
    public int PadId => 0;

    public Llama2cTokenizer(IReadOnlyList<string> pieces, IReadOnlyList<float> scores, int maxTokenLength)
    {
        if (pieces.Count < 259 || pieces.Count != scores.Count)
            throw new ArgumentException("a llama2.c vocabulary needs <unk>, BOS, EOS and the 256 byte tokens (at least 259 pieces) with one score each");
        _pieces = pieces.ToArray();
        _scores = scores.ToArray();
        _maxTokenLength = maxTokenLength;
        for (int i = 0; i < _pieces.Length; i++) _lookup.TryAdd(_pieces[i], i); // first occurrence wins, as llama2.c's sorted lookup
    }

    public static Llama2cTokenizer Load(string path)
    {
        try
        {
            using var r = new BinaryReader(File.OpenRead(path));
            int maxLen = r.ReadInt32();
            var pieces = new List<string>();
            var scores = new List<float>();
            while (r.BaseStream.Position < r.BaseStream.Length)
            {
                scores.Add(r.ReadSingle());
                int len = r.ReadInt32();
                if (len < 0 || len > 1 << 16) throw new InvalidDataException($"token {pieces.Count} has length {len}");
                pieces.Add(Encoding.UTF8.GetString(r.ReadBytes(len)));
            }
            return new Llama2cTokenizer(pieces, scores, maxLen);
        }
        catch (Exception e) when (e is EndOfStreamException or InvalidDataException or ArgumentException or IOException)
        { throw new InputException($"not a readable llama2.c tokenizer file ({e.Message})", path); }
    }

    /// <summary>The loader registered in <see cref="Tokenizers.FolderLoaders"/>: a folder with tokenizer.bin.</summary>
    public static ITokenizer? TryLoadFolder(string dir)
    {
        var file = Path.Combine(dir, FileName);
        if (!File.Exists(file) || Tokenizers.SavedKind(dir) is { } k && k != "llama2c") return null;
        return Load(file);
    }

    public int[] Encode(string text)
    {
        if (text.Length == 0) return Array.Empty<int>();
        var symbols = new List<int>();
        AddPiece(symbols, " "); // llama2.c's dummy prefix (SentencePiece's add_dummy_prefix)
        foreach (var rune in text.EnumerateRunes()) AddPiece(symbols, rune.ToString());
        return BpeMerge.Apply(symbols, (a, b) =>
            _lookup.TryGetValue(_pieces[a] + _pieces[b], out var id) ? (id, -(double)_scores[id]) : null).ToArray();
    }

    void AddPiece(List<int> symbols, string s)
    {
        if (_lookup.TryGetValue(s, out var id)) { symbols.Add(id); return; }
        foreach (var b in Encoding.UTF8.GetBytes(s)) symbols.Add(b + 3); // byte fallback: <0x00> is id 3
    }

    public string Decode(IReadOnlyList<int> ids)
    {
        var bytes = new List<byte>();
        foreach (var id in ids)
        {
            if (id < 3 || id >= _pieces.Length) continue; // <unk>, BOS, EOS, out of range
            if (id < 259) bytes.Add((byte)(id - 3));
            else bytes.AddRange(Encoding.UTF8.GetBytes(_pieces[id]));
        }
        int start = bytes.Count > 0 && bytes[0] == (byte)' ' ? 1 : 0; // the dummy prefix
        return Encoding.UTF8.GetString(bytes.Skip(start).ToArray());
    }

    public void Save(string dir)
    {
        AtomicFile.Write(Path.Combine(dir, FileName), s =>
        {
            using var w = new BinaryWriter(s, Encoding.UTF8, leaveOpen: true);
            w.Write(_maxTokenLength);
            for (int i = 0; i < _pieces.Length; i++)
            {
                var b = Encoding.UTF8.GetBytes(_pieces[i]);
                w.Write(_scores[i]); w.Write(b.Length); w.Write(b);
            }
        });
        AtomicFile.WriteAllText(Path.Combine(dir, Tokenizers.ConfigFile), JsonSerializer.Serialize(new { kind = Kind }));
    }
}
