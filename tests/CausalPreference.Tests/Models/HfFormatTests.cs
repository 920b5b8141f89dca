using System.Text.Json;
using CausalPreference.IO;
using CausalPreference.Models;
using CausalPreference.Text;
using TorchSharp;
using static TorchSharp.torch;
using static CausalPreference.Tests.Models.Fixtures;

namespace CausalPreference.Tests.Models;

[Collection(TorchSerialCollection.Name)]
public class HfFormatTests
{
    static readonly long[] Ids = { 256, 72, 105, 33, 10, 200, 7 };

    [Fact]
    public void Gpt2SavedInHfFormatReloadsWithIdenticalLogitsAndConv1DLayout()
    {
        manual_seed(11);
        var model = ModelFactory.Create(ModelConfig.Micro);
        var dir = TempDir();
        HfFormat.Save(model, new ByteTokenizer(), dir);

        var header = ReadHeader(Path.Combine(dir, "model.safetensors"));
        Assert.Equal(new long[] { 32, 96 }, header["transformer.h.0.attn.c_attn.weight"].shape); // Conv1D: [in, out]
        Assert.Equal(new long[] { 128, 32 }, header["transformer.h.1.mlp.c_proj.weight"].shape);
        Assert.DoesNotContain("lm_head.weight", header.Keys); // tied: transformers re-ties it
        using var cfg = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "config.json")));
        Assert.Equal("gpt2", cfg.RootElement.GetProperty("model_type").GetString());
        Assert.Equal(32, cfg.RootElement.GetProperty("n_embd").GetInt32());

        var (loaded, tok) = Checkpoint.Load(dir); // through the registered foreign loader
        Assert.Equal("byte", tok.Kind);
        Assert.Equal(Values(Logits(model, Ids)), Values(Logits(loaded, Ids)));
    }

    [Fact]
    public void LlamaSavedInHfFormatReloadsWithIdenticalLogits()
    {
        foreach (var cfg in new[] { TinyLlama, TinyLlama with { TiedEmbeddings = false, AttentionBias = true } })
        {
            manual_seed(12);
            var model = ModelFactory.Create(cfg);
            var dir = TempDir();
            HfFormat.Save(model, new ByteTokenizer(), dir);
            var header = ReadHeader(Path.Combine(dir, "model.safetensors"));
            Assert.Equal(new long[] { 8, 16 }, header["model.layers.0.self_attn.k_proj.weight"].shape); // 2 kv heads × 4
            Assert.Equal(!cfg.TiedEmbeddings, header.ContainsKey("lm_head.weight"));
            Assert.Equal(cfg.AttentionBias, header.ContainsKey("model.layers.1.self_attn.q_proj.bias"));
            using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "config.json")));
            Assert.Equal(cfg.AttentionBias ? "qwen2" : "llama", json.RootElement.GetProperty("model_type").GetString());
            Assert.Equal(2, json.RootElement.GetProperty("num_key_value_heads").GetInt32());

            var (loaded, _) = Checkpoint.Load(dir);
            Assert.Equal(cfg with { HfModelType = loaded.Config.HfModelType, HiddenAct = "silu" }, loaded.Config);
            Assert.Equal(Values(Logits(model, Ids)), Values(Logits(loaded, Ids)));
        }
    }

    /// <summary>
    /// A GPT-2 folder as transformers writes it for a bare GPT2Model: names without "transformer.", Conv1D weights [in, out],
    /// the causal-mask buffer, no lm_head, the embedding in bfloat16 and the positions in float16.
    /// </summary>
    [Fact]
    public void PytorchConventionGpt2FolderGivesTheSameModelAsBuildingItDirectly()
    {
        manual_seed(13);
        var reference = ModelFactory.Create(ModelConfig.Micro);
        var sd = reference.state_dict();
        RoundTo(sd["transformer.wte.weight"], ScalarType.BFloat16);
        RoundTo(sd["transformer.wpe.weight"], ScalarType.Float16);
        string[] conv1d = { "attn.c_attn.weight", "attn.c_proj.weight", "mlp.c_fc.weight", "mlp.c_proj.weight" };
        var raw = new List<RawTensor>();
        foreach (var (name, t) in sd)
        {
            if (name == "lm_head.weight") continue;
            var hfName = name["transformer.".Length..];
            if (hfName == "wte.weight") raw.Add(BF16(hfName, t.shape, Values(t)));
            else if (hfName == "wpe.weight") raw.Add(F16(hfName, t.shape, Values(t)));
            else if (conv1d.Any(hfName.EndsWith)) raw.Add(F32(hfName, new[] { t.shape[1], t.shape[0] }, Values(t.t())));
            else raw.Add(F32(hfName, t.shape, Values(t)));
        }
        raw.Add(F32("h.0.attn.bias", new long[] { 1, 1, 2, 2 }, new float[] { 1, 0, 1, 1 })); // old transformers' mask buffer
        var dir = TempDir();
        WriteSafetensors(Path.Combine(dir, "model.safetensors"), raw);
        WriteJson(Path.Combine(dir, "config.json"), new
        {
            model_type = "gpt2", vocab_size = 259, n_positions = 64, n_embd = 32, n_layer = 2, n_head = 2, n_inner = (int?)null,
            activation_function = "gelu_new", resid_pdrop = 0.0, layer_norm_epsilon = 1e-5,
        });
        WriteJson(Path.Combine(dir, Tokenizers.ConfigFile), new { kind = "byte" });

        var (loaded, _) = HfFormat.Load(dir);
        Assert.Equal("gpt2", loaded.Config.Family);
        var a = Values(Logits(reference, Ids));
        var b = Values(Logits(loaded, Ids));
        for (int i = 0; i < a.Length; i++) Assert.Equal(a[i], b[i], 5);
    }

    /// <summary>
    /// A Qwen2-style folder (q/k/v biases, untied head, GQA, custom rope theta), sharded in two files, one tensor in bfloat16,
    /// against a direct double-precision implementation of the HF Llama/Qwen2 forward pass.
    /// </summary>
    [Fact]
    public void ShardedQwen2FolderMatchesANaiveDoublePrecisionForwardPass()
    {
        const int V = 259, D = 8, H = 2, KvH = 1, Dh = 4, F = 12, L = 2;
        const double theta = 500, eps = 1e-6;
        var rng = new Random(5);
        var w = new Dictionary<string, (long[] shape, float[] v)>();
        void Add(string name, params long[] shape)
        {
            var n = shape.Aggregate(1L, (x, y) => x * y);
            var vals = Enumerable.Range(0, (int)n).Select(_ => (float)(rng.NextDouble() * 0.8 - 0.4)).ToArray();
            if (name.EndsWith("norm.weight")) vals = vals.Select(x => 1 + x).ToArray();
            w[name] = (shape, vals);
        }
        Add("model.embed_tokens.weight", V, D);
        for (int l = 0; l < L; l++)
        {
            var p = $"model.layers.{l}.";
            Add(p + "input_layernorm.weight", D);
            Add(p + "self_attn.q_proj.weight", H * Dh, D); Add(p + "self_attn.q_proj.bias", H * Dh);
            Add(p + "self_attn.k_proj.weight", KvH * Dh, D); Add(p + "self_attn.k_proj.bias", KvH * Dh);
            Add(p + "self_attn.v_proj.weight", KvH * Dh, D); Add(p + "self_attn.v_proj.bias", KvH * Dh);
            Add(p + "self_attn.o_proj.weight", D, H * Dh);
            Add(p + "post_attention_layernorm.weight", D);
            Add(p + "mlp.gate_proj.weight", F, D); Add(p + "mlp.up_proj.weight", F, D); Add(p + "mlp.down_proj.weight", D, F);
        }
        Add("model.norm.weight", D);
        Add("lm_head.weight", V, D);
        // the embedding is stored in bfloat16: make its values bfloat16-exact so both sides see the same numbers
        var emb = w["model.embed_tokens.weight"];
        w["model.embed_tokens.weight"] = (emb.shape, emb.v.Select(x => BitConverter.Int32BitsToSingle(BitConverter.SingleToInt32Bits(x) & unchecked((int)0xFFFF0000))).ToArray());

        var dir = TempDir();
        var names = w.Keys.ToList();
        var shard1 = names.Take(names.Count / 2).ToList();
        var shard2 = names.Skip(names.Count / 2).ToList();
        RawTensor Raw(string n) => n == "model.embed_tokens.weight" ? BF16(n, w[n].shape, w[n].v) : F32(n, w[n].shape, w[n].v);
        WriteSafetensors(Path.Combine(dir, "model-00001-of-00002.safetensors"), shard1.Select(Raw).ToList());
        WriteSafetensors(Path.Combine(dir, "model-00002-of-00002.safetensors"), shard2.Select(Raw).ToList());
        WriteJson(Path.Combine(dir, "model.safetensors.index.json"), new
        {
            metadata = new { total_size = 0 },
            weight_map = shard1.ToDictionary(n => n, _ => "model-00001-of-00002.safetensors")
                .Concat(shard2.ToDictionary(n => n, _ => "model-00002-of-00002.safetensors")).ToDictionary(kv => kv.Key, kv => kv.Value),
        });
        WriteJson(Path.Combine(dir, "config.json"), new
        {
            architectures = new[] { "Qwen2ForCausalLM" }, model_type = "qwen2", vocab_size = V, hidden_size = D, intermediate_size = F,
            num_hidden_layers = L, num_attention_heads = H, num_key_value_heads = KvH, max_position_embeddings = 64,
            rms_norm_eps = eps, rope_theta = theta, hidden_act = "silu", tie_word_embeddings = false, use_sliding_window = false,
            sliding_window = 4, bos_token_id = 256, eos_token_id = 257,
        });
        WriteJson(Path.Combine(dir, Tokenizers.ConfigFile), new { kind = "byte" });

        var (model, _) = Checkpoint.Load(dir);
        Assert.Equal(64, model.Config.ContextLength); // use_sliding_window false: the window does not apply
        var got = Values(Logits(model, Ids));
        var expected = NaiveQwen2(w, Ids.Select(i => (int)i).ToArray(), D, H, KvH, Dh, L, theta, eps);
        for (int i = 0; i < expected.Length; i++) Assert.True(Math.Abs(expected[i] - got[i]) < 1e-4, $"logit {i}: naive {expected[i]}, model {got[i]}");
    }

    /// <summary>HF's Llama/Qwen2 forward pass written out in double precision, loop by loop.</summary>
    /// <param name="window">Sliding window (0: none) applied on layers from <paramref name="windowFrom"/> on: query t sees keys s with t − window &lt; s ≤ t.</param>
    internal static double[] NaiveQwen2(Dictionary<string, (long[] shape, float[] v)> w, int[] ids, int D, int H, int KvH, int Dh, int L, double theta, double eps,
        int window = 0, int windowFrom = 0)
    {
        int T = ids.Length;
        double[] Vec(string n) => w[n].v.Select(x => (double)x).ToArray();
        double[] MatVec(string n, double[] x, string? bias = null)
        {
            var (shape, v) = w[n];
            int rows = (int)shape[0], cols = (int)shape[1];
            var y = new double[rows];
            for (int r = 0; r < rows; r++) { double s = bias is null || !w.ContainsKey(bias) ? 0 : w[bias].v[r]; for (int c = 0; c < cols; c++) s += v[r * cols + c] * x[c]; y[r] = s; }
            return y;
        }
        double[] RmsNorm(double[] x, string n)
        {
            double ms = x.Sum(a => a * a) / x.Length, k = 1 / Math.Sqrt(ms + eps);
            var g = Vec(n);
            return x.Select((a, i) => a * k * g[i]).ToArray();
        }
        void Rope(double[] v, int heads, int pos)
        {
            for (int h = 0; h < heads; h++)
                for (int j = 0; j < Dh / 2; j++)
                {
                    double ang = pos * Math.Pow(theta, -2.0 * j / Dh), c = Math.Cos(ang), s = Math.Sin(ang);
                    double a = v[h * Dh + j], b = v[h * Dh + j + Dh / 2];
                    v[h * Dh + j] = a * c - b * s;
                    v[h * Dh + j + Dh / 2] = b * c + a * s;
                }
        }
        var x = ids.Select(id => w["model.embed_tokens.weight"].v.Skip(id * D).Take(D).Select(a => (double)a).ToArray()).ToArray();
        for (int l = 0; l < L; l++)
        {
            var p = $"model.layers.{l}.";
            var q = new double[T][]; var k = new double[T][]; var v = new double[T][];
            for (int t = 0; t < T; t++)
            {
                var h = RmsNorm(x[t], p + "input_layernorm.weight");
                q[t] = MatVec(p + "self_attn.q_proj.weight", h, p + "self_attn.q_proj.bias"); Rope(q[t], H, t);
                k[t] = MatVec(p + "self_attn.k_proj.weight", h, p + "self_attn.k_proj.bias"); Rope(k[t], KvH, t);
                v[t] = MatVec(p + "self_attn.v_proj.weight", h, p + "self_attn.v_proj.bias");
            }
            for (int t = 0; t < T; t++)
            {
                var att = new double[H * Dh];
                for (int hh = 0; hh < H; hh++)
                {
                    int kv = hh / (H / KvH);
                    int first = window > 0 && l >= windowFrom ? Math.Max(0, t - window + 1) : 0;
                    var scores = new double[t + 1];
                    for (int s = 0; s < first; s++) scores[s] = double.NegativeInfinity;
                    for (int s = first; s <= t; s++)
                    {
                        double dot = 0;
                        for (int d = 0; d < Dh; d++) dot += q[t][hh * Dh + d] * k[s][kv * Dh + d];
                        scores[s] = dot / Math.Sqrt(Dh);
                    }
                    double max = scores.Max(), z = scores.Sum(a => Math.Exp(a - max));
                    for (int s = first; s <= t; s++)
                        for (int d = 0; d < Dh; d++) att[hh * Dh + d] += Math.Exp(scores[s] - max) / z * v[s][kv * Dh + d];
                }
                var o = MatVec(p + "self_attn.o_proj.weight", att);
                for (int d = 0; d < D; d++) x[t][d] += o[d];
                var h2 = RmsNorm(x[t], p + "post_attention_layernorm.weight");
                var gate = MatVec(p + "mlp.gate_proj.weight", h2);
                var up = MatVec(p + "mlp.up_proj.weight", h2);
                var act = gate.Select((g, i) => g / (1 + Math.Exp(-g)) * up[i]).ToArray();
                var down = MatVec(p + "mlp.down_proj.weight", act);
                for (int d = 0; d < D; d++) x[t][d] += down[d];
            }
        }
        return x.SelectMany(xt => MatVec("lm_head.weight", RmsNorm(xt, "model.norm.weight"))).ToArray();
    }

    [Fact]
    public void BFloat16LoadingKeepsTheWeightsInBFloat16()
    {
        manual_seed(16);
        var model = ModelFactory.Create(TinyLlama);
        foreach (var p in model.parameters()) RoundTo(p, ScalarType.BFloat16); // bfloat16-exact weights: the copy is lossless
        var dir = TempDir();
        HfFormat.Save(model, new ByteTokenizer(), dir);
        var (bf16, _) = HfFormat.Load(dir, ScalarType.BFloat16);
        Assert.All(bf16.parameters(), p => Assert.Equal(ScalarType.BFloat16, p.dtype));
        var a = Logits(model, Ids);
        var b = Logits(bf16, Ids).to(ScalarType.Float32);
        Assert.True(a.allclose(b, 0.05, 0.05), $"max difference {(a - b).abs().max().item<float>()}");
        var resaved = TempDir();
        HfFormat.Save(bf16, new ByteTokenizer(), resaved);
        Assert.Equal("BF16", ReadHeader(Path.Combine(resaved, "model.safetensors"))["model.norm.weight"].dtype);
        Assert.Equal(Values(Logits(bf16, Ids)), Values(Logits(HfFormat.Load(resaved, ScalarType.BFloat16).model, Ids)));
    }

    [Fact]
    public void MismatchedOrUnsupportedFoldersGiveClearInputErrors()
    {
        manual_seed(14);
        var dir = TempDir();
        HfFormat.Save(ModelFactory.Create(TinyLlama), new ByteTokenizer(), dir);
        var cfgPath = Path.Combine(dir, "config.json");
        var original = File.ReadAllText(cfgPath);

        File.WriteAllText(cfgPath, original.Replace("\"hidden_size\": 16", "\"hidden_size\": 32"));
        var e = Assert.Throws<InputException>(() => Checkpoint.Load(dir));
        Assert.Contains("do not match", e.Message);

        File.WriteAllText(cfgPath, original.Replace("\"model_type\": \"llama\"", "\"model_type\": \"bert\""));
        e = Assert.Throws<InputException>(() => Checkpoint.Load(dir));
        Assert.Contains("not supported", e.Message);

        File.WriteAllText(cfgPath, original.Replace("\"num_hidden_layers\": 2", "\"num_hidden_layers\": 3"));
        e = Assert.Throws<InputException>(() => Checkpoint.Load(dir));
        Assert.Contains("lack", e.Message);

        File.WriteAllText(cfgPath, original.Replace("\"num_hidden_layers\": 2", "\"num_hidden_layers\": 1"));
        e = Assert.Throws<InputException>(() => Checkpoint.Load(dir));
        Assert.Contains("does not have", e.Message);

        File.WriteAllText(cfgPath, original);
        File.Move(Path.Combine(dir, "model.safetensors"), Path.Combine(dir, "pytorch_model.bin"));
        e = Assert.Throws<InputException>(() => Checkpoint.Load(dir));
        Assert.Contains("safetensors", e.Message);
    }

    [Fact]
    public void TiedHeadsStayTiedWhenTheModelChangesDtype()
    {
        foreach (var cfg in new[] { ModelConfig.Micro, TinyLlama })
        {
            manual_seed(15);
            var model = ModelFactory.Create(cfg);
            model.to(ScalarType.Float64);
            var before = Logits(model, Ids);
            var emb = model.named_parameters().First(p => p.name.EndsWith("wte.weight") || p.name.EndsWith("embed_tokens.weight")).parameter;
            using (no_grad()) emb.add_(randn_like(emb) * 0.1); // moves the head too only if it is still tied
            var after = Logits(model, Ids);
            Assert.False(before.allclose(after), $"{cfg.Family}: changing the embedding did not change the logits");
            // a tied head reads the embedding: logits = h · Eᵀ, so the head's weight equals the embedding's
            var head = model.state_dict().TryGetValue("lm_head.weight", out var hw) ? hw : emb;
            Assert.True(head.equal(emb).all().item<bool>(), $"{cfg.Family}: head untied after to(float64)");
        }
    }
}
