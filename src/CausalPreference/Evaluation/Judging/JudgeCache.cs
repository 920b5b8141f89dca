using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using CausalPreference.IO;

namespace CausalPreference.Evaluation.Judging;

/// <summary>
/// Append-only JSONL cache of judgments, so an interrupted evaluation resumes without asking the judge again.
/// One line per judgment: <c>{"key", "judge", "preferred", "reason", "raw", "at"}</c>, flushed as soon as it is made.
/// The key is a SHA-256 of (judge name, judge configuration — model and prompt template —, prompt, text A, text B),
/// so the same texts in the other order, another template or another model are separate entries.
/// A torn last line (a crash mid-write) is skipped and counted in <see cref="SkippedLines"/>. Thread-safe.
/// </summary>
public sealed class JudgeCache : IDisposable
{
    readonly Dictionary<string, JudgeVerdict> _entries = new(StringComparer.Ordinal);
    readonly object _lock = new();
    StreamWriter? _writer;

    JudgeCache(string? path) => Path = path;

    /// <summary>The cache file, or null for an in-memory cache.</summary>
    public string? Path { get; }

    /// <summary>Lines that could not be read (torn or edited by hand) and were ignored.</summary>
    public int SkippedLines { get; private set; }

    /// <summary>Judgments held.</summary>
    public int Count { get { lock (_lock) return _entries.Count; } }

    /// <summary>A cache that lives only in memory (nothing is written).</summary>
    public static JudgeCache InMemory() => new(null);

    /// <summary>Opens (creating if needed) the cache file, loading earlier judgments; later duplicate keys win.</summary>
    public static JudgeCache Open(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        var full = System.IO.Path.GetFullPath(path);
        FileStream? stream = null;
        try
        {
            Directory.CreateDirectory(System.IO.Path.GetDirectoryName(full)!);
            stream = new FileStream(full, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.Read);
            var cache = new JudgeCache(full);
            cache.Load(stream);
            return cache;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            stream?.Dispose();
            throw new InputException($"cannot open the judgment cache: {e.Message}. Choose a writable output folder.", full, inner: e);
        }
        catch
        {
            stream?.Dispose();
            throw;
        }
    }

    /// <summary>Reads the existing lines, then positions a writer at the end (after a newline, so a torn line stays separate).</summary>
    void Load(FileStream stream)
    {
        bool endsWithNewline = true;
        if (stream.Length > 0)
        {
            stream.Seek(-1, SeekOrigin.End);
            endsWithNewline = stream.ReadByte() == '\n';
            stream.Seek(0, SeekOrigin.Begin);
            using var reader = new StreamReader(stream, new UTF8Encoding(false), true, 1 << 16, leaveOpen: true);
            string? line;
            while ((line = reader.ReadLine()) != null)
                if (line.Length > 0 && !TryLoadLine(line)) SkippedLines++;
        }
        stream.Seek(0, SeekOrigin.End);
        _writer = new StreamWriter(stream, new UTF8Encoding(false)) { NewLine = "\n" };
        if (!endsWithNewline) { _writer.Write('\n'); _writer.Flush(); }
    }

    bool TryLoadLine(string line)
    {
        try
        {
            using var doc = JsonDocument.Parse(line);
            var r = doc.RootElement;
            var key = r.GetProperty("key").GetString();
            var pref = r.GetProperty("preferred").GetString();
            var raw = r.TryGetProperty("raw", out var rw) && rw.ValueKind == JsonValueKind.String ? rw.GetString()! : "";
            var reason = r.TryGetProperty("reason", out var rs) && rs.ValueKind == JsonValueKind.String ? rs.GetString() : null;
            if (string.IsNullOrEmpty(key) || !Enum.TryParse<PairChoice>(pref, ignoreCase: false, out var choice) || !Enum.IsDefined(choice)) return false;
            _entries[key] = new JudgeVerdict(choice, raw, reason);
            return true;
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            return false;
        }
    }

    /// <summary>The cached verdict for <paramref name="key"/>, if any.</summary>
    public bool TryGet(string key, out JudgeVerdict verdict)
    {
        lock (_lock) return _entries.TryGetValue(key, out verdict!);
    }

    /// <summary>Stores a verdict and appends it to the file at once (flushed), so a crash loses at most this line.</summary>
    public void Add(string key, string judgeName, JudgeVerdict verdict)
    {
        ArgumentNullException.ThrowIfNull(verdict);
        lock (_lock)
        {
            _entries[key] = verdict;
            if (_writer == null) return;
            using var buffer = new MemoryStream();
            using (var w = new Utf8JsonWriter(buffer))
            {
                w.WriteStartObject();
                w.WriteString("key", key);
                w.WriteString("judge", judgeName);
                w.WriteString("preferred", verdict.Preferred.ToString());
                if (verdict.Reason is null) w.WriteNull("reason"); else w.WriteString("reason", verdict.Reason);
                w.WriteString("raw", verdict.RawResponse);
                w.WriteString("at", DateTimeOffset.UtcNow);
                w.WriteEndObject();
            }
            _writer.Write(Encoding.UTF8.GetString(buffer.ToArray()));
            _writer.Write('\n');
            _writer.Flush();
        }
    }

    /// <summary>The cache key of a pair for a judge: hex SHA-256 of the length-prefixed fields.</summary>
    public static string Key(IPairJudge judge, JudgePair pair)
    {
        ArgumentNullException.ThrowIfNull(judge);
        ArgumentNullException.ThrowIfNull(pair);
        using var h = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        void Field(string? s)
        {
            var bytes = s == null ? [] : Encoding.UTF8.GetBytes(s);
            Span<byte> len = stackalloc byte[9];
            len[0] = s == null ? (byte)0 : (byte)1;
            BitConverter.TryWriteBytes(len[1..], (long)bytes.Length);
            h.AppendData(len);
            h.AppendData(bytes);
        }
        Field("causalpo-judgment-v1");
        Field(judge.Name);
        Field(judge.Configuration);
        Field(pair.Prompt);
        Field(pair.TextA);
        Field(pair.TextB);
        return Convert.ToHexStringLower(h.GetHashAndReset());
    }

    /// <summary>Closes the file.</summary>
    public void Dispose()
    {
        lock (_lock) _writer?.Dispose();
    }
}
