using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using CausalPreference.IO;

namespace CausalPreference.Training;

/// <summary>One scalar point of a TensorBoard event file.</summary>
public sealed record TensorBoardScalar(string Tag, long Step, float Value, double WallTime);

/// <summary>
/// Training metrics as a TensorBoard event file, OUT/tensorboard/events.out.tfevents.causalpo, beside train_log.jsonl
/// (point TensorBoard's log folder at OUT/tensorboard). Tags follow TRL/HF Trainer where the meaning is the same (train/loss,
/// train/learning_rate, train/grad_norm, train/epoch, eval/loss); our own metrics keep their log names (train/value,
/// train/ess_fraction, train/max_weight, train/anchor_weight, eval/value, …). The step is the global optimizer step.
/// <para>
/// The format is TensorFlow's TFRecord of Event protobufs (tensorflow/core/lib/io/record_writer.cc,
/// tensorflow/core/util/event.proto, summary.proto): per record a little-endian uint64 length, the masked CRC-32C of
/// those 8 bytes, the data, the masked CRC-32C of the data; the first event carries file_version "brain.Event:2".
/// TorchSharp's SummaryWriter writes the same format but names its file by time and host and cannot drop points, so the
/// file is written here: the folder name is fixed, and a resumed run cuts the file back to the saved step (as it does
/// train_log.jsonl) before it appends, so no step ever has two points.
/// </para>
/// </summary>
public static class TensorBoardLog
{
    /// <summary>The folder that holds the event file, under a run's output folder.</summary>
    public const string Folder = "tensorboard";
    /// <summary>The event file's name (TensorBoard reads files whose name contains "tfevents").</summary>
    public const string FileName = "events.out.tfevents.causalpo";

    /// <summary>The event file of the run in <paramref name="outDir"/>.</summary>
    public static string PathIn(string outDir) => Path.Combine(outDir, Folder, FileName);

    /// <summary>The tag of a train_log.jsonl key, or null for keys that are not plotted (step).</summary>
    public static string? TrainTag(string key) => key switch
    {
        "step" => null,
        "lr" => "train/learning_rate",
        _ => "train/" + key,
    };

    /// <summary>The tag of a validation summary key (validation_loss → eval/loss), or null for keys that are not plotted.</summary>
    public static string? EvalTag(string key) => key.StartsWith("validation_", StringComparison.Ordinal) ? "eval/" + key["validation_".Length..] : null;

    /// <summary>Starts a new event file (a fresh run): only the file_version event.</summary>
    public static void Start(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        AtomicFile.WriteAllBytes(path, Record(VersionEvent(Now())));
    }

    /// <summary>
    /// Before a resume from <paramref name="savedStep"/>: keeps the events of steps up to it (a record cut by a kill ends
    /// the file), so that the redone steps are not plotted twice. Without a file (a run begun before this log existed)
    /// the file is rebuilt from train_log.jsonl and the saved validation summaries.
    /// </summary>
    public static void Resume(string path, long savedStep, string trainLog, IEnumerable<IReadOnlyDictionary<string, double>> validations)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        using var ms = new MemoryStream();
        if (File.Exists(path))
        {
            foreach (var (data, ev) in ReadEvents(File.ReadAllBytes(path), strict: false))
                if (ev.FileVersion != null || ev.Step <= savedStep) ms.Write(Record(data));
        }
        else
        {
            double now = Now();
            ms.Write(Record(VersionEvent(now)));
            if (File.Exists(trainLog))
                foreach (var l in File.ReadAllLines(trainLog))
                {
                    Dictionary<string, double?>? line;
                    try { line = JsonSerializer.Deserialize<Dictionary<string, double?>>(l); } catch (JsonException) { continue; }
                    if (line is null || line.GetValueOrDefault("step") is not double s) continue;
                    var values = line.Where(kv => kv.Value is double).ToDictionary(kv => kv.Key, kv => kv.Value!.Value);
                    ms.Write(Record(ScalarEvent(now, (long)s, Scalars(values, TrainTag))));
                }
            foreach (var v in validations)
                if (v.TryGetValue("step", out var s)) ms.Write(Record(ScalarEvent(now, (long)s, Scalars(v, EvalTag))));
        }
        AtomicFile.WriteAllBytes(path, ms.ToArray());
    }

    /// <summary>Appends one step's train_log.jsonl line as train/* scalars (non-finite values are left out, as the log writes them as null).</summary>
    public static void AppendTrain(string path, long step, IReadOnlyDictionary<string, double> line) => Append(path, step, Scalars(line, TrainTag));

    /// <summary>Appends a validation summary's validation_* values as eval/* scalars.</summary>
    public static void AppendEval(string path, long step, IReadOnlyDictionary<string, double> summary) => Append(path, step, Scalars(summary, EvalTag));

    static void Append(string path, long step, List<(string Tag, float Value)> values)
    {
        if (values.Count == 0) return;
        using var f = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.Read);
        f.Write(Record(ScalarEvent(Now(), step, values)));
    }

    static List<(string, float)> Scalars(IEnumerable<KeyValuePair<string, double>> values, Func<string, string?> tag) =>
        values.Where(kv => double.IsFinite(kv.Value) && tag(kv.Key) != null).Select(kv => (tag(kv.Key)!, (float)kv.Value)).ToList();

    static double Now() => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 1000.0;

    /// <summary>Reads every scalar of an event file, checking both CRCs of each record (a damaged record throws).</summary>
    public static List<TensorBoardScalar> Read(string path)
    {
        var result = new List<TensorBoardScalar>();
        foreach (var (_, ev) in ReadEvents(File.ReadAllBytes(path), strict: true))
            foreach (var (tag, value) in ev.Values) result.Add(new TensorBoardScalar(tag, ev.Step, value, ev.WallTime));
        return result;
    }

    /// <summary>The file_version of an event file's first event ("brain.Event:2"), or null.</summary>
    public static string? FileVersion(string path) => ReadEvents(File.ReadAllBytes(path), strict: true).Select(e => e.Event.FileVersion).FirstOrDefault();

    sealed record Event(double WallTime, long Step, string? FileVersion, List<(string Tag, float Value)> Values);

    static IEnumerable<(byte[] Data, Event Event)> ReadEvents(byte[] bytes, bool strict)
    {
        int pos = 0;
        var list = new List<(byte[], Event)>();
        while (pos < bytes.Length)
        {
            string? error = null;
            if (bytes.Length - pos < 12) error = "a record header is cut short";
            else if (BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(pos + 8)) != MaskedCrc32C(bytes.AsSpan(pos, 8))) error = "a record length fails its CRC";
            else
            {
                ulong len = BinaryPrimitives.ReadUInt64LittleEndian(bytes.AsSpan(pos));
                if (len > (ulong)(bytes.Length - pos - 16)) error = "a record is cut short";
                else
                {
                    var data = bytes.AsSpan(pos + 12, (int)len);
                    if (BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(pos + 12 + (int)len)) != MaskedCrc32C(data)) error = "a record's data fails its CRC";
                    else
                    {
                        list.Add((data.ToArray(), ParseEvent(data)));
                        pos += 16 + (int)len;
                        continue;
                    }
                }
            }
            if (strict) throw new InvalidDataException($"the TensorBoard event file is damaged at byte {pos}: {error}");
            break;
        }
        return list;
    }

    // ---- protobuf (only the fields used: Event 1 wall_time double, 2 step int64, 3 file_version string, 5 summary;
    //      Summary 1 repeated Value; Value 1 tag string, 2 simple_value float) ----

    static byte[] VersionEvent(double wallTime)
    {
        var w = new MemoryStream();
        WriteTag(w, 1, 1); WriteDouble(w, wallTime);
        WriteTag(w, 3, 2); WriteBytes(w, Encoding.UTF8.GetBytes("brain.Event:2"));
        return w.ToArray();
    }

    static byte[] ScalarEvent(double wallTime, long step, List<(string Tag, float Value)> values)
    {
        var summary = new MemoryStream();
        Span<byte> f = stackalloc byte[4];
        foreach (var (tag, value) in values)
        {
            var v = new MemoryStream();
            WriteTag(v, 1, 2); WriteBytes(v, Encoding.UTF8.GetBytes(tag));
            WriteTag(v, 2, 5); BinaryPrimitives.WriteSingleLittleEndian(f, value); v.Write(f);
            WriteTag(summary, 1, 2); WriteBytes(summary, v.ToArray());
        }
        var w = new MemoryStream();
        WriteTag(w, 1, 1); WriteDouble(w, wallTime);
        WriteTag(w, 2, 0); WriteVarint(w, (ulong)step);
        WriteTag(w, 5, 2); WriteBytes(w, summary.ToArray());
        return w.ToArray();
    }

    static void WriteDouble(Stream w, double d) { Span<byte> b = stackalloc byte[8]; BinaryPrimitives.WriteDoubleLittleEndian(b, d); w.Write(b); }
    static void WriteTag(Stream w, int field, int wireType) => WriteVarint(w, (ulong)((field << 3) | wireType));
    static void WriteBytes(Stream w, byte[] b) { WriteVarint(w, (ulong)b.Length); w.Write(b); }
    static void WriteVarint(Stream w, ulong v)
    {
        while (v >= 0x80) { w.WriteByte((byte)(v | 0x80)); v >>= 7; }
        w.WriteByte((byte)v);
    }

    static Event ParseEvent(ReadOnlySpan<byte> data)
    {
        double wall = 0; long step = 0; string? version = null; var values = new List<(string, float)>();
        int p = 0;
        while (p < data.Length)
        {
            var (field, wire) = ReadTag(data, ref p);
            if (field == 1 && wire == 1) { wall = BinaryPrimitives.ReadDoubleLittleEndian(data[p..]); p += 8; }
            else if (field == 2 && wire == 0) step = (long)ReadVarint(data, ref p);
            else if (field == 3 && wire == 2) version = Encoding.UTF8.GetString(ReadLengthDelimited(data, ref p));
            else if (field == 5 && wire == 2)
            {
                var summary = ReadLengthDelimited(data, ref p);
                int q = 0;
                while (q < summary.Length)
                {
                    var (sf, sw) = ReadTag(summary, ref q);
                    if (sf != 1 || sw != 2) { Skip(summary, ref q, sw); continue; }
                    var value = ReadLengthDelimited(summary, ref q);
                    string tag = ""; float? simple = null;
                    int r = 0;
                    while (r < value.Length)
                    {
                        var (vf, vw) = ReadTag(value, ref r);
                        if (vf == 1 && vw == 2) tag = Encoding.UTF8.GetString(ReadLengthDelimited(value, ref r));
                        else if (vf == 2 && vw == 5) { simple = BinaryPrimitives.ReadSingleLittleEndian(value[r..]); r += 4; }
                        else Skip(value, ref r, vw);
                    }
                    if (simple is float s) values.Add((tag, s));
                }
            }
            else Skip(data, ref p, wire);
        }
        return new Event(wall, step, version, values);
    }

    static (int Field, int Wire) ReadTag(ReadOnlySpan<byte> d, ref int p) { var t = ReadVarint(d, ref p); return ((int)(t >> 3), (int)(t & 7)); }

    static ulong ReadVarint(ReadOnlySpan<byte> d, ref int p)
    {
        ulong v = 0;
        for (int shift = 0; ; shift += 7)
        {
            if (p >= d.Length || shift > 63) throw new InvalidDataException("a malformed protobuf varint in a TensorBoard event");
            byte b = d[p++];
            v |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80) return v;
        }
    }

    static ReadOnlySpan<byte> ReadLengthDelimited(ReadOnlySpan<byte> d, ref int p)
    {
        var len = ReadVarint(d, ref p);
        if (len > (ulong)(d.Length - p)) throw new InvalidDataException("a protobuf field runs past its TensorBoard event");
        var s = d.Slice(p, (int)len);
        p += (int)len;
        return s;
    }

    static void Skip(ReadOnlySpan<byte> d, ref int p, int wire)
    {
        switch (wire)
        {
            case 0: ReadVarint(d, ref p); break;
            case 1: p += 8; break;
            case 2: ReadLengthDelimited(d, ref p); break;
            case 5: p += 4; break;
            default: throw new InvalidDataException($"an unsupported protobuf wire type {wire} in a TensorBoard event");
        }
        if (p > d.Length) throw new InvalidDataException("a protobuf field runs past its TensorBoard event");
    }

    // ---- TFRecord framing and CRC-32C (Castagnoli, reflected polynomial 0x82F63B78) ----

    static byte[] Record(byte[] data)
    {
        var r = new byte[16 + data.Length];
        BinaryPrimitives.WriteUInt64LittleEndian(r, (ulong)data.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(r.AsSpan(8), MaskedCrc32C(r.AsSpan(0, 8)));
        data.CopyTo(r, 12);
        BinaryPrimitives.WriteUInt32LittleEndian(r.AsSpan(12 + data.Length), MaskedCrc32C(data));
        return r;
    }

    static readonly uint[] CrcTable = Enumerable.Range(0, 256).Select(i =>
    {
        uint c = (uint)i;
        for (int k = 0; k < 8; k++) c = (c & 1) != 0 ? (c >> 1) ^ 0x82F63B78u : c >> 1;
        return c;
    }).ToArray();

    /// <summary>CRC-32C (Castagnoli) of <paramref name="data"/>; crc32c("123456789") = 0xE3069283.</summary>
    public static uint Crc32C(ReadOnlySpan<byte> data)
    {
        uint crc = 0xFFFFFFFFu;
        foreach (var b in data) crc = CrcTable[(crc ^ b) & 0xFF] ^ (crc >> 8);
        return ~crc;
    }

    /// <summary>The masked CRC that TFRecord stores: ((crc &gt;&gt; 15) | (crc &lt;&lt; 17)) + 0xa282ead8.</summary>
    public static uint MaskedCrc32C(ReadOnlySpan<byte> data)
    {
        uint crc = Crc32C(data);
        return unchecked(((crc >> 15) | (crc << 17)) + 0xa282ead8u);
    }
}
