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
    /// <summary>The file name the tokenizer is saved under and looked for in a model folder: tokenizer.bin.</summary>
    public const string FileName = "tokenizer.bin";
    readonly string[] _pieces;
    readonly float[] _scores;
    readonly int _maxTokenLength;
    readonly Dictionary<string, int> _lookup = new(StringComparer.Ordinal);

    /// <summary>"llama2c".</summary>
    public string Kind => "llama2c";
    /// <summary>The number of pieces in the file (at least 259).</summary>
    public int VocabSize => _pieces.Length;
    /// <summary>1 (SentencePiece's &lt;s&gt;).</summary>
    public int BosId => 1;
    /// <summary>2 (SentencePiece's &lt;/s&gt;).</summary>
    public int EosId => 2;
    /// <summary>0, &lt;unk&gt; (padding is masked, so it is never scored).</summary>
    public int PadId => 0;

    /// <summary>A tokenizer from the file's contents: piece i (with "▁" already written as a space) and its score, and the
    /// file's max_token_length (kept for <see cref="Save"/>). Throws <see cref="ArgumentException"/> for fewer than 259
    /// pieces or a score count that differs.</summary>
    public Llama2cTokenizer(IReadOnlyList<string> pieces, IReadOnlyList<float> scores, int maxTokenLength)
    {
        if (pieces.Count < 259 || pieces.Count != scores.Count)
            throw new ArgumentException("a llama2.c vocabulary needs <unk>, BOS, EOS and the 256 byte tokens (at least 259 pieces) with one score each");
        _pieces = pieces.ToArray();
        _scores = scores.ToArray();
        _maxTokenLength = maxTokenLength;
        for (int i = 0; i < _pieces.Length; i++) _lookup.TryAdd(_pieces[i], i); // first occurrence wins, as llama2.c's sorted lookup
    }

    /// <summary>Reads a llama2.c tokenizer file; throws <see cref="InputException"/> when it is unreadable or malformed.</summary>
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

    /// <summary>llama2.c's encoding (see <see cref="Llama2cTokenizer"/>): dummy leading space, characters or byte
    /// fallbacks, then score-ordered merges; empty for the empty string.</summary>
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

    /// <summary>The pieces' bytes (byte-fallback tokens as their byte) as UTF-8, &lt;unk&gt;, BOS, EOS and out-of-range ids
    /// dropped, and the leading dummy space removed.</summary>
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

    /// <summary>Writes tokenizer.bin (in the format it was read from) and <c>causalpo_tokenizer.json</c>
    /// (<c>{"kind": "llama2c"}</c>) into <paramref name="dir"/>, each atomically.</summary>
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
