using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using CausalPreference.IO;
using static TorchSharp.torch;

namespace CausalPreference.Models;

/// <summary>
/// Reads and writes the safetensors format (an 8-byte little-endian header length, a JSON header
/// {name: {dtype, shape, data_offsets}, "__metadata__": {...}}, then the raw little-endian tensor bytes).
/// Own implementation so that every dtype Hugging Face checkpoints use (F32, F16, BF16, F64) is read, converted
/// to float32 by default, and so that written files carry the {"format": "pt"} metadata transformers expects.
/// </summary>
public sealed class SafeTensorsFile : IDisposable
{
    /// <summary>One stored tensor: dtype as written in the header ("F32", "BF16", ...), shape, byte range in the data section.</summary>
    public sealed record Entry(string Name, string DType, long[] Shape, long Begin, long End);

    readonly FileStream _stream;
    readonly long _dataStart;
    /// <summary>The file as given to <see cref="Open"/>.</summary>
    public string Path { get; }
    /// <summary>Every tensor in the header, by name.</summary>
    public IReadOnlyDictionary<string, Entry> Entries { get; }
    /// <summary>The header's <c>__metadata__</c> (e.g. format → pt); empty when it has none.</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    SafeTensorsFile(string path, FileStream stream, long dataStart, Dictionary<string, Entry> entries, Dictionary<string, string> metadata)
    { Path = path; _stream = stream; _dataStart = dataStart; Entries = entries; Metadata = metadata; }

    /// <summary>Opens <paramref name="path"/> and reads its header (not the tensors; see <see cref="ReadFloat32"/>). The file
    /// stays open until disposed. Throws <see cref="InputException"/> when it cannot be read, is not safetensors, has an
    /// unknown dtype, or a tensor's byte range disagrees with its shape (truncated or corrupt).</summary>
    public static SafeTensorsFile Open(string path)
    {
        FileStream fs;
        try { fs = File.OpenRead(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        { throw new InputException($"cannot read the weights file ({e.Message})", path); }
        try
        {
            var lenBytes = new byte[8];
            fs.ReadExactly(lenBytes);
            long headerLen = BitConverter.ToInt64(lenBytes);
            if (headerLen <= 0 || headerLen > 100_000_000 || 8 + headerLen > fs.Length)
                throw new InputException("not a safetensors file (bad header length); the file is corrupt or in another format", path);
            var header = new byte[headerLen];
            fs.ReadExactly(header);
            var root = JsonNode.Parse(header)?.AsObject() ?? throw new JsonException("empty header");
            var entries = new Dictionary<string, Entry>();
            var metadata = new Dictionary<string, string>();
            long dataLen = fs.Length - 8 - headerLen;
            foreach (var (name, node) in root)
            {
                if (node is null) continue;
                if (name == "__metadata__")
                {
                    foreach (var (k, v) in node.AsObject()) metadata[k] = v?.ToString() ?? "";
                    continue;
                }
                var dtype = node["dtype"]!.GetValue<string>();
                var shape = node["shape"]!.AsArray().Select(x => x!.GetValue<long>()).ToArray();
                var off = node["data_offsets"]!.AsArray().Select(x => x!.GetValue<long>()).ToArray();
                var e = new Entry(name, dtype, shape, off[0], off[1]);
                long expected = shape.Aggregate(1L, (a, b) => a * b) * ElementSize(dtype, path, name);
                if (off[0] < 0 || off[1] > dataLen || off[1] - off[0] != expected)
                    throw new InputException($"tensor '{name}' has inconsistent offsets (the file is truncated or corrupt)", path);
                entries[name] = e;
            }
            return new SafeTensorsFile(path, fs, 8 + headerLen, entries, metadata);
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or NullReferenceException or EndOfStreamException or FormatException)
        {
            fs.Dispose();
            throw new InputException($"not a readable safetensors file ({e.Message}); the file is corrupt or in another format", path);
        }
        catch { fs.Dispose(); throw; }
    }

    static int ElementSize(string dtype, string path, string name) => dtype switch
    {
        "F64" or "I64" or "U64" => 8,
        "F32" or "I32" or "U32" => 4,
        "F16" or "BF16" or "I16" or "U16" => 2,
        "I8" or "U8" or "BOOL" or "F8_E4M3" or "F8_E5M2" => 1,
        _ => throw new InputException($"tensor '{name}' has unknown dtype '{dtype}'", path),
    };

    /// <summary>Reads a floating-point tensor as float32 on the CPU (F32 as is; F16, BF16 and F64 converted).</summary>
    public Tensor ReadFloat32(string name)
    {
        if (!Entries.TryGetValue(name, out var e)) throw new KeyNotFoundException($"{Path}: no tensor named '{name}'");
        var bytes = new byte[e.End - e.Begin];
        _stream.Seek(_dataStart + e.Begin, SeekOrigin.Begin);
        _stream.ReadExactly(bytes);
        float[] values;
        switch (e.DType)
        {
            case "F32":
                values = MemoryMarshal.Cast<byte, float>(bytes).ToArray();
                break;
            case "BF16":
            {
                // bfloat16 is the upper half of a float32: shifting its 16 bits up is exact
                var src = MemoryMarshal.Cast<byte, ushort>(bytes);
                values = new float[src.Length];
                for (int i = 0; i < src.Length; i++) values[i] = BitConverter.Int32BitsToSingle(src[i] << 16);
                break;
            }
            case "F16":
            {
                var src = MemoryMarshal.Cast<byte, Half>(bytes);
                values = new float[src.Length];
                for (int i = 0; i < src.Length; i++) values[i] = (float)src[i];
                break;
            }
            case "F64":
            {
                var src = MemoryMarshal.Cast<byte, double>(bytes);
                values = new float[src.Length];
                for (int i = 0; i < src.Length; i++) values[i] = (float)src[i];
                break;
            }
            default:
                throw new InputException($"tensor '{name}' has dtype {e.DType}, not a floating-point weight this tool can read (F32, F16, BF16, F64)", Path);
        }
        return tensor(values, e.Shape);
    }

    /// <summary>Closes the file.</summary>
    public void Dispose() => _stream.Dispose();

    /// <summary>
    /// Writes tensors (F32, F16, BF16, F64 or I64; moved to the CPU) atomically, in the given order,
    /// with <paramref name="metadata"/> (default {"format": "pt"}) in the header.
    /// </summary>
    public static void Write(string path, IEnumerable<KeyValuePair<string, Tensor>> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        var list = tensors.ToList();
        var header = new JsonObject();
        var meta = new JsonObject();
        foreach (var (k, v) in metadata ?? new Dictionary<string, string> { ["format"] = "pt" }) meta[k] = v;
        header["__metadata__"] = meta;
        long offset = 0;
        foreach (var (name, t) in list)
        {
            var (dtype, size) = t.dtype switch
            {
                ScalarType.Float32 => ("F32", 4),
                ScalarType.Float16 => ("F16", 2),
                ScalarType.BFloat16 => ("BF16", 2),
                ScalarType.Float64 => ("F64", 8),
                ScalarType.Int64 => ("I64", 8),
                _ => throw new ArgumentException($"cannot write tensor '{name}' of dtype {t.dtype} to safetensors"),
            };
            long n = t.numel() * size;
            header[name] = new JsonObject
            {
                ["dtype"] = dtype,
                ["shape"] = new JsonArray(t.shape.Select(d => (JsonNode)JsonValue.Create(d)!).ToArray()),
                ["data_offsets"] = new JsonArray(JsonValue.Create(offset), JsonValue.Create(offset + n)),
            };
            offset += n;
        }
        var headerBytes = Encoding.UTF8.GetBytes(header.ToJsonString());
        int pad = (8 - headerBytes.Length % 8) % 8; // the format pads the header with spaces to an 8-byte boundary
        var padded = new byte[headerBytes.Length + pad];
        headerBytes.CopyTo(padded, 0);
        for (int i = headerBytes.Length; i < padded.Length; i++) padded[i] = (byte)' ';
        AtomicFile.Write(path, s =>
        {
            s.Write(BitConverter.GetBytes((long)padded.Length));
            s.Write(padded);
            foreach (var (_, t) in list) WriteData(s, t);
        });
    }

    static void WriteData(Stream s, Tensor t)
    {
        using var scope = NewDisposeScope();
        var c = t.detach().cpu().contiguous().flatten();
        switch (c.dtype)
        {
            case ScalarType.Float32: s.Write(MemoryMarshal.AsBytes(c.data<float>().ToArray().AsSpan())); break;
            case ScalarType.Float64: s.Write(MemoryMarshal.AsBytes(c.data<double>().ToArray().AsSpan())); break;
            case ScalarType.Int64: s.Write(MemoryMarshal.AsBytes(c.data<long>().ToArray().AsSpan())); break;
            case ScalarType.BFloat16:
            {
                // every bfloat16 value is exactly a float32 whose lower 16 bits are zero
                var f = c.to(ScalarType.Float32).data<float>().ToArray();
                var u = new ushort[f.Length];
                for (int i = 0; i < f.Length; i++) u[i] = (ushort)(BitConverter.SingleToInt32Bits(f[i]) >>> 16);
                s.Write(MemoryMarshal.AsBytes(u.AsSpan()));
                break;
            }
            case ScalarType.Float16:
            {
                var f = c.to(ScalarType.Float32).data<float>().ToArray();
                var h = new Half[f.Length];
                for (int i = 0; i < f.Length; i++) h[i] = (Half)f[i];
                s.Write(MemoryMarshal.AsBytes(h.AsSpan()));
                break;
            }
        }
    }
}
