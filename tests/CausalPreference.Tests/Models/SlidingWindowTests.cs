using CausalPreference.Models;
using CausalPreference.Text;
using static TorchSharp.torch;
using static CausalPreference.Tests.Models.Fixtures;

namespace CausalPreference.Tests.Models;

/// <summary>
/// Mistral's (and Qwen2's use_sliding_window) sliding-window attention: the query at position i attends to keys j with
/// i − window &lt; j ≤ i (transformers' sliding_window_overlay), and the whole text is scored — formerly the context was
/// cut to the window, so a text longer than the window was scored as its prefix. Reference: the loop-by-loop
/// double-precision forward pass of <see cref="HfFormatTests"/> with the window applied.
/// </summary>
[Collection(TorchSerialCollection.Name)]
public class SlidingWindowTests
{
    const int V = 259, D = 8, H = 2, KvH = 1, Dh = 4, F = 12, L = 2, Window = 8;
    const double Theta = 10000, Eps = 1e-6;
    const string Text = "a sliding window of eight tokens";

    static (string dir, Dictionary<string, (long[] shape, float[] v)> w) Folder(string modelType, bool biases, object extra)
    {
        var rng = new Random(21);
        var w = new Dictionary<string, (long[] shape, float[] v)>();
        void Add(string name, params long[] shape)
        {
            var n = shape.Aggregate(1L, (x, y) => x * y);
            var vals = Enumerable.Range(0, (int)n).Select(_ => (float)(rng.NextDouble() * 1.2 - 0.6)).ToArray();
            if (name.EndsWith("norm.weight")) vals = vals.Select(x => 1 + x / 2).ToArray();
            w[name] = (shape, vals);
        }
        Add("model.embed_tokens.weight", V, D);
        for (int l = 0; l < L; l++)
        {
            var p = $"model.layers.{l}.";
            Add(p + "input_layernorm.weight", D);
            Add(p + "self_attn.q_proj.weight", H * Dh, D); Add(p + "self_attn.k_proj.weight", KvH * Dh, D); Add(p + "self_attn.v_proj.weight", KvH * Dh, D);
            if (biases) { Add(p + "self_attn.q_proj.bias", H * Dh); Add(p + "self_attn.k_proj.bias", KvH * Dh); Add(p + "self_attn.v_proj.bias", KvH * Dh); }
            Add(p + "self_attn.o_proj.weight", D, H * Dh);
            Add(p + "post_attention_layernorm.weight", D);
            Add(p + "mlp.gate_proj.weight", F, D); Add(p + "mlp.up_proj.weight", F, D); Add(p + "mlp.down_proj.weight", D, F);
        }
        Add("model.norm.weight", D);
        Add("lm_head.weight", V, D);
        var dir = TempDir();
        WriteSafetensors(Path.Combine(dir, "model.safetensors"), w.Select(kv => F32(kv.Key, kv.Value.shape, kv.Value.v)).ToList());
        var cfg = new Dictionary<string, object?>
        {
            ["model_type"] = modelType, ["vocab_size"] = V, ["hidden_size"] = D, ["intermediate_size"] = F, ["num_hidden_layers"] = L,
            ["num_attention_heads"] = H, ["num_key_value_heads"] = KvH, ["max_position_embeddings"] = 64, ["rms_norm_eps"] = Eps,
            ["rope_theta"] = Theta, ["hidden_act"] = "silu", ["tie_word_embeddings"] = false, ["sliding_window"] = Window,
        };
        foreach (var p in extra.GetType().GetProperties()) cfg[p.Name] = p.GetValue(extra);
        WriteJson(Path.Combine(dir, "config.json"), cfg);
        WriteJson(Path.Combine(dir, Tokenizers.ConfigFile), new { kind = "byte" });
        return (dir, w);
    }

    /// <summary>log P(text) with BOS and EOS from the reference forward pass, accumulated in double precision.</summary>
    static double NaiveScore(Dictionary<string, (long[] shape, float[] v)> w, int[] ids, int window, int windowFrom)
    {
        var logits = HfFormatTests.NaiveQwen2(w, ids, D, H, KvH, Dh, L, Theta, Eps, window, windowFrom);
        double total = 0;
        for (int t = 1; t < ids.Length; t++)
        {
            var row = logits.Skip((t - 1) * V).Take(V).ToArray();
            double max = row.Max(), lse = max + Math.Log(row.Sum(x => Math.Exp(x - max)));
            total += row[ids[t]] - lse;
        }
        return total;
    }

    [Fact]
    public void MistralScoresTheWholeTextWithASlidingMask()
    {
        var (dir, w) = Folder("mistral", biases: false, new { });
        var (model, tok) = Checkpoint.Load(dir);
        Assert.Equal(64, model.Config.ContextLength); // the positions, not the window
        Assert.Equal(Window, model.Config.SlidingWindow);

        var ids = new[] { tok.BosId }.Concat(tok.Encode(Text)).Append(tok.EosId).ToArray(); // 34 tokens, over four windows
        double expected = NaiveScore(w, ids, Window, 0);
        double got = SequenceScorer.Score(model, tok, new[] { Text })[0];
        Assert.True(Math.Abs(expected - got) < 1e-3, $"reference {expected}, model {got}");

        // the window matters, and the text is not cut: full attention and the old prefix-of-the-window score both differ
        double full = NaiveScore(w, ids, 0, 0);
        double prefix = NaiveScore(w, ids.Take(Window).ToArray(), 0, 0);
        Assert.True(Math.Abs(full - got) > 0.05, $"full attention {full} vs sliding {got}: the window had no effect on this fixture");
        Assert.True(Math.Abs(prefix - got) > 1, $"prefix {prefix} vs whole text {got}");
    }

    [Fact]
    public void IncrementalDecodingWithTheCacheSeesTheSameWindow()
    {
        var (dir, _) = Folder("mistral", biases: false, new { });
        var (model, tok) = Checkpoint.Load(dir);
        var ids = tok.Encode(Text).Take(20).Select(i => (long)i).ToArray();
        using var _ = no_grad();
        var whole = Values(model.Forward(tensor(ids).unsqueeze(0), null));
        using var cache = new KvCache(L);
        var parts = new List<float>();
        parts.AddRange(Values(model.Forward(tensor(ids.Take(5).ToArray()).unsqueeze(0), cache)));   // a prompt inside the window
        parts.AddRange(Values(model.Forward(tensor(ids.Skip(5).Take(6).ToArray()).unsqueeze(0), cache))); // a chunk crossing it
        foreach (var id in ids.Skip(11)) parts.AddRange(Values(model.Forward(tensor(new[] { id }).unsqueeze(0), cache))); // one at a time
        Assert.Equal(whole.Length, parts.Count);
        for (int i = 0; i < whole.Length; i++) Assert.True(Math.Abs(whole[i] - parts[i]) < 1e-4, $"logit {i}: {whole[i]} vs {parts[i]}");
    }

    [Fact]
    public void Qwen2SlidesOnlyFromMaxWindowLayersOn()
    {
        var (dir, w) = Folder("qwen2", biases: true, new { use_sliding_window = true, max_window_layers = 1 });
        var (model, tok) = Checkpoint.Load(dir);
        Assert.Equal((Window, 1), (model.Config.SlidingWindow, model.Config.SlidingWindowFromLayer));
        var ids = new[] { tok.BosId }.Concat(tok.Encode(Text)).Append(tok.EosId).ToArray();
        double expected = NaiveScore(w, ids, Window, 1);
        double got = SequenceScorer.Score(model, tok, new[] { Text })[0];
        Assert.True(Math.Abs(expected - got) < 1e-3, $"reference {expected}, model {got}");
        Assert.True(Math.Abs(NaiveScore(w, ids, Window, 0) - got) > 0.05, "layer 0 must attend fully");

        // exported and reloaded, the window and its first layer survive
        var copy = TempDir();
        HfFormat.Save(model, tok, copy);
        var (again, _) = Checkpoint.Load(copy);
        Assert.Equal(got, SequenceScorer.Score(again, tok, new[] { Text })[0], 9);
    }
}
