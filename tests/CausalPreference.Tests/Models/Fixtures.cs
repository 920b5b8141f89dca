using System.Text;
using System.Text.Json;
using CausalPreference.Models;
using static TorchSharp.torch;

namespace CausalPreference.Tests.Models;

/// <summary>Helpers for the real-model tests: temp folders, a hand-written safetensors writer, tiny configurations.</summary>
static class Fixtures
{
    public static string TempDir()
    {
        var d = Path.Combine(Path.GetTempPath(), "cpo-real-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(d);
        return d;
    }

    /// <summary>A tiny Llama with grouped-query attention (4 query heads share 2 key/value heads), byte vocabulary.</summary>
    public static ModelConfig TinyLlama => new()
    {
        Family = "llama", VocabSize = 259, ContextLength = 32, Layers = 2, Heads = 4, KvHeads = 2, Dim = 16, Hidden = 24,
        NormEps = 1e-5, RopeTheta = 10000, TiedEmbeddings = true, Tokenizer = "byte",
    };

    /// <summary>One tensor for <see cref="WriteSafetensors"/>: raw little-endian bytes as the format stores them.</summary>
    public sealed record RawTensor(string Name, string DType, long[] Shape, byte[] Data);

    public static RawTensor F32(string name, long[] shape, float[] values) =>
        new(name, "F32", shape, values.SelectMany(BitConverter.GetBytes).ToArray());

    /// <summary>bfloat16 = the upper 16 bits of the float32 (the values must already be bfloat16-exact).</summary>
    public static RawTensor BF16(string name, long[] shape, float[] values) =>
        new(name, "BF16", shape, values.SelectMany(v => BitConverter.GetBytes((ushort)(BitConverter.SingleToInt32Bits(v) >>> 16))).ToArray());

    public static RawTensor F16(string name, long[] shape, float[] values) =>
        new(name, "F16", shape, values.SelectMany(v => BitConverter.GetBytes((Half)v)).ToArray());

    /// <summary>Writes a safetensors file by hand (independent of the library's writer).</summary>
    public static void WriteSafetensors(string path, IReadOnlyList<RawTensor> tensors)
    {
        var header = new Dictionary<string, object> { ["__metadata__"] = new Dictionary<string, string> { ["format"] = "pt" } };
        long offset = 0;
        foreach (var t in tensors)
        {
            header[t.Name] = new { dtype = t.DType, shape = t.Shape, data_offsets = new[] { offset, offset + t.Data.Length } };
            offset += t.Data.Length;
        }
        var h = Encoding.UTF8.GetBytes(JsonSerializer.Serialize(header));
        using var fs = File.Create(path);
        fs.Write(BitConverter.GetBytes((long)h.Length));
        fs.Write(h);
        foreach (var t in tensors) fs.Write(t.Data);
    }

    /// <summary>Reads a safetensors header by hand: name -> (dtype, shape).</summary>
    public static Dictionary<string, (string dtype, long[] shape)> ReadHeader(string path)
    {
        var bytes = File.ReadAllBytes(path);
        var len = BitConverter.ToInt64(bytes, 0);
        using var doc = JsonDocument.Parse(Encoding.UTF8.GetString(bytes, 8, (int)len));
        return doc.RootElement.EnumerateObject().Where(p => p.Name != "__metadata__").ToDictionary(
            p => p.Name, p => (p.Value.GetProperty("dtype").GetString()!, p.Value.GetProperty("shape").EnumerateArray().Select(x => x.GetInt64()).ToArray()));
    }

    public static float[] Values(Tensor t) => t.detach().cpu().contiguous().to(ScalarType.Float32).data<float>().ToArray();

    /// <summary>Rounds in place to the nearest bfloat16 (or float16) value, so that a reduced-precision copy is exact.</summary>
    public static void RoundTo(Tensor t, ScalarType dtype)
    {
        using var _ = no_grad();
        using var r = t.to(dtype).to(t.dtype);
        t.copy_(r);
    }

    public static Tensor Logits(CausalLM model, params long[] ids)
    {
        model.eval();
        using var _ = no_grad();
        using var x = tensor(ids, new long[] { 1, ids.Length });
        return model.forward(x).detach().clone();
    }

    public static void WriteJson(string path, object value) => File.WriteAllText(path, JsonSerializer.Serialize(value));
}
