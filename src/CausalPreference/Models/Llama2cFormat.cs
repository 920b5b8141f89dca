using System.Runtime.InteropServices;
using CausalPreference.IO;
using CausalPreference.Text;
using static TorchSharp.torch;

namespace CausalPreference.Models;

/// <summary>
/// llama2.c's legacy checkpoint (e.g. stories260K.bin): seven int32 (dim, hidden_dim, n_layers, n_heads, n_kv_heads,
/// vocab_size — positive when the classifier shares the embedding —, seq_len), then float32 tensors in this order:
/// token_embedding [V,D], rms_att [L,D], wq [L,D,D], wk [L,kvD,D], wv [L,kvD,D], wo [L,D,D], rms_ffn [L,D],
/// w1 [L,H,D], w2 [L,D,H], w3 [L,H,D], rms_final [D], two legacy RoPE tables [seq_len, head_size/2] (skipped), and
/// wcls [V,D] when not shared. Matrices are [out, in] like nn.Linear. llama2.c rotates interleaved pairs (2j, 2j+1)
/// of each head, HF Llama rotates (j, j + head_size/2): the rows of wq and wk are permuted within each head on load,
/// which turns one convention into the other exactly. The tokenizer is a sibling tokenizer.bin or tok*.bin
/// (<see cref="Llama2cTokenizer"/>). The newer versioned export (magic "ak42") is not read.
/// </summary>
public static class Llama2cFormat
{
    /// <summary>The loader registered in <see cref="Checkpoint.ForeignLoaders"/>: a .bin file with a sibling tokenizer, or null.</summary>
    public static (CausalLM, ITokenizer)? TryLoad(string path)
    {
        if (!File.Exists(path) || !path.EndsWith(".bin", StringComparison.OrdinalIgnoreCase) || ReadHeader(path) is not { } h) return null;
        var tokPath = FindTokenizer(path, Math.Abs(h.vocab))
            ?? throw new InputException("this llama2.c checkpoint has no tokenizer beside it: put its tokenizer.bin (or tok<N>.bin) in the same folder", path);
        return Load(path, tokPath);
    }

    /// <summary>Loads a llama2.c checkpoint and its tokenizer.</summary>
    public static (CausalLM model, ITokenizer tok) Load(string modelPath, string tokenizerPath)
    {
        var tok = Llama2cTokenizer.Load(tokenizerPath);
        var model = LoadModel(modelPath);
        if (tok.VocabSize != model.Config.VocabSize)
            throw new InputException($"the tokenizer has {tok.VocabSize} tokens but the model {model.Config.VocabSize}: they do not belong together", tokenizerPath);
        return (model, tok);
    }

    record struct Header(int dim, int hidden, int layers, int heads, int kvHeads, int vocab, int seqLen);

    /// <summary>The header, if the file's size is exactly what it implies (with or without a separate classifier).</summary>
    static Header? ReadHeader(string path)
    {
        var len = new FileInfo(path).Length;
        if (len < 28) return null;
        var ints = new int[7];
        using (var fs = File.OpenRead(path))
        {
            var b = new byte[28];
            fs.ReadExactly(b);
            MemoryMarshal.Cast<byte, int>(b).CopyTo(ints);
        }
        var h = new Header(ints[0], ints[1], ints[2], ints[3], ints[4], ints[5], ints[6]);
        if (h.dim <= 0 || h.hidden <= 0 || h.layers <= 0 || h.heads <= 0 || h.kvHeads <= 0 || h.vocab == 0 || h.seqLen <= 0
            || h.dim % h.heads != 0 || h.heads % h.kvHeads != 0) return null;
        return 28 + 4 * FloatCount(h) == len ? h : null;
    }

    static long FloatCount(Header h)
    {
        long d = h.dim, l = h.layers, v = Math.Abs(h.vocab), kv = d * h.kvHeads / h.heads, hs = d / h.heads;
        long n = v * d + l * d + l * d * d + 2 * l * kv * d + l * d * d + l * d + 3 * l * h.hidden * d + d + h.seqLen * hs; // hs = 2 tables × hs/2
        return h.vocab > 0 ? n : n + v * d;
    }

    /// <summary>A sibling tokenizer: tokenizer.bin, else the one tok*.bin whose vocabulary size matches.</summary>
    static string? FindTokenizer(string modelPath, int vocab)
    {
        var dir = Path.GetDirectoryName(Path.GetFullPath(modelPath))!;
        var standard = Path.Combine(dir, Llama2cTokenizer.FileName);
        if (File.Exists(standard)) return standard;
        var named = Path.Combine(dir, $"tok{vocab}.bin");
        if (File.Exists(named)) return named;
        var candidates = Directory.EnumerateFiles(dir, "tok*.bin").Where(f => Path.GetFullPath(f) != Path.GetFullPath(modelPath)).ToList();
        return candidates.Count == 1 ? candidates[0] : null;
    }

    /// <summary>Reads the weights into a <see cref="LlamaModel"/> (HF layout, rotate-half rotary).</summary>
    public static LlamaModel LoadModel(string path)
    {
        var h = ReadHeader(path) ?? throw new InputException(
            "not a llama2.c legacy checkpoint (its size does not match its header); export it with llama2.c's legacy format (version 0)", path);
        int d = h.dim, kvd = h.dim * h.kvHeads / h.heads, hs = h.dim / h.heads, v = Math.Abs(h.vocab), L = h.layers, H = h.hidden;
        var cfg = new ModelConfig
        {
            Family = "llama", HfModelType = "llama", VocabSize = v, ContextLength = h.seqLen, Layers = L, Heads = h.heads,
            KvHeads = h.kvHeads, Dim = d, Hidden = H, NormEps = 1e-5, RopeTheta = 10000.0, TiedEmbeddings = h.vocab > 0,
            Dropout = 0.0, Tokenizer = "llama2c",
        };
        var model = new LlamaModel(cfg);
        var sd = model.state_dict();
        using var fs = File.OpenRead(path);
        fs.Seek(28, SeekOrigin.Begin);
        Tensor Next(params long[] shape)
        {
            long n = shape.Aggregate(1L, (a, b) => a * b);
            var bytes = new byte[n * 4];
            fs.ReadExactly(bytes);
            return tensor(MemoryMarshal.Cast<byte, float>(bytes).ToArray(), shape);
        }
        // llama2.c orders rows of a head as pairs (2j, 2j+1); HF as (all j's first component, then all second components)
        Tensor ToRotateHalf(Tensor w, int heads) => w.view(heads, hs / 2, 2, d).transpose(1, 2).reshape(heads * hs, d);
        void Set(string name, Tensor value) { using (value) sd[name].copy_(value); }
        void PerLayer(string suffix, long[] shape, Func<Tensor, Tensor>? transform = null)
        {
            using var all = Next(new[] { (long)L }.Concat(shape).ToArray());
            for (int i = 0; i < L; i++)
            {
                var t = all[i];
                Set($"model.layers.{i}.{suffix}", transform is null ? t : transform(t));
            }
        }
        using (no_grad())
        {
            Set("model.embed_tokens.weight", Next(v, d));
            PerLayer("input_layernorm.weight", new long[] { d });
            PerLayer("self_attn.q_proj.weight", new long[] { d, d }, w => ToRotateHalf(w, h.heads));
            PerLayer("self_attn.k_proj.weight", new long[] { kvd, d }, w => ToRotateHalf(w, h.kvHeads));
            PerLayer("self_attn.v_proj.weight", new long[] { kvd, d });
            PerLayer("self_attn.o_proj.weight", new long[] { d, d });
            PerLayer("post_attention_layernorm.weight", new long[] { d });
            PerLayer("mlp.gate_proj.weight", new long[] { H, d });
            PerLayer("mlp.down_proj.weight", new long[] { d, H });
            PerLayer("mlp.up_proj.weight", new long[] { H, d });
            Set("model.norm.weight", Next(d));
            fs.Seek((long)h.seqLen * hs * 4, SeekOrigin.Current); // freq_cis_real and freq_cis_imag: [seq_len, hs/2] each
            if (h.vocab < 0) Set("lm_head.weight", Next(v, d));
        }
        return model;
    }
}
