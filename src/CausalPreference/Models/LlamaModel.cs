using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace CausalPreference.Models;

/// <summary>
/// The Llama family (also Mistral and Qwen2, which differ only in configuration): pre-RMSNorm blocks, rotary position
/// embeddings, grouped-query attention (<see cref="ModelConfig.KvHeads"/> key/value heads shared by groups of query
/// heads), a SwiGLU MLP down(act(gate(x)) · up(x)), optional q/k/v biases (Qwen2), tied or untied LM head.
/// Parameter names are Hugging Face's (model.embed_tokens.weight, model.layers.{i}.self_attn.q_proj.weight, ...,
/// model.norm.weight, lm_head.weight), and rotary embeddings use HF's rotate-half convention: dimension j of a head
/// is paired with j + head_size/2. (llama2.c's interleaved pairs (2j, 2j+1) are converted on load; see <see cref="Llama2cFormat"/>.)
/// The KV cache stores keys after the rotation and only the <c>KvHeads</c> distinct heads.
/// </summary>
public sealed class LlamaModel : CausalLM
{
    /// <summary>RMSNorm: x / sqrt(mean(x²) + eps) · weight, computed in float32 as HF does.</summary>
    sealed class RmsNorm : nn.Module<Tensor, Tensor>
    {
        public Parameter weight;
        readonly double _eps;
        public RmsNorm(int dim, double eps) : base("rmsnorm")
        {
            weight = new Parameter(ones(dim));
            _eps = eps;
            RegisterComponents();
        }
        public override Tensor forward(Tensor x)
        {
            var xf = x.to(ScalarType.Float32);
            var normed = xf * rsqrt(xf.pow(2).mean(new long[] { -1 }, keepdim: true) + _eps);
            return weight * normed.to(x.dtype);
        }
    }

    sealed class Attention : nn.Module
    {
        public readonly AdaptableLinear q_proj, k_proj, v_proj, o_proj;
        readonly int _heads, _kvHeads, _headSize, _window;
        readonly double _p;
        public Attention(ModelConfig c, int layer) : base("self_attn")
        {
            (_heads, _kvHeads, _headSize, _p) = (c.Heads, c.KeyValueHeads, c.HeadSize, c.Dropout);
            _window = c.SlidingWindow > 0 && layer >= c.SlidingWindowFromLayer ? c.SlidingWindow : 0;
            q_proj = new AdaptableLinear(c.Dim, _heads * _headSize, c.AttentionBias);
            k_proj = new AdaptableLinear(c.Dim, _kvHeads * _headSize, c.AttentionBias);
            v_proj = new AdaptableLinear(c.Dim, _kvHeads * _headSize, c.AttentionBias);
            o_proj = new AdaptableLinear(_heads * _headSize, c.Dim, c.OutputBias);
            RegisterComponents();
        }

        public Tensor Forward(Tensor x, Tensor cos, Tensor sin, KvCache? cache, int layer)
        {
            var (b, t) = (x.shape[0], x.shape[1]);
            var q = q_proj.forward(x).view(b, t, _heads, _headSize).transpose(1, 2);   // [B,H,T,Dh]
            var k = k_proj.forward(x).view(b, t, _kvHeads, _headSize).transpose(1, 2); // [B,KvH,T,Dh]
            var v = v_proj.forward(x).view(b, t, _kvHeads, _headSize).transpose(1, 2);
            q = Rotate(q, cos, sin);
            k = Rotate(k, cos, sin);
            long past = 0;
            if (cache is not null)
            {
                past = cache.LengthOf(layer);
                (k, v) = cache.Append(layer, k, v);
            }
            if (_kvHeads != _heads)
            {
                // query head h reads key/value head h / (heads / kvHeads), as HF's repeat_kv
                k = k.repeat_interleave(_heads / _kvHeads, dim: 1);
                v = v.repeat_interleave(_heads / _kvHeads, dim: 1);
            }
            Tensor y;
            if (_window > 0 && past + t > _window)
            {
                // sliding window: query i (absolute position past+i) sees keys j with i − window < j ≤ i
                var qi = arange(t, device: x.device).unsqueeze(1) + past;
                var kj = arange(k.shape[2], device: x.device).unsqueeze(0);
                y = functional.scaled_dot_product_attention(q, k, v, attn_mask: (kj <= qi).logical_and(kj > qi - _window), p: training ? _p : 0.0);
            }
            else if (past == 0)
                y = functional.scaled_dot_product_attention(q, k, v, p: training ? _p : 0.0, is_casual: true);
            else if (t == 1)
                y = functional.scaled_dot_product_attention(q, k, v, p: training ? _p : 0.0); // one new query sees every cached key
            else
            {
                // new query i (absolute position past+i) may see keys 0..past+i
                var qi = arange(t, device: x.device).unsqueeze(1) + past;
                var kj = arange(k.shape[2], device: x.device).unsqueeze(0);
                y = functional.scaled_dot_product_attention(q, k, v, attn_mask: kj <= qi, p: training ? _p : 0.0);
            }
            return o_proj.forward(y.transpose(1, 2).contiguous().view(b, t, _heads * _headSize));
        }

        /// <summary>Rotary embedding, rotate-half form: (x₁, x₂) ↦ (x₁cos − x₂sin, x₂cos + x₁sin) per frequency.</summary>
        static Tensor Rotate(Tensor x, Tensor cos, Tensor sin)
        {
            var half = x.shape[^1] / 2;
            var rotated = cat(new[] { -x.narrow(-1, half, half), x.narrow(-1, 0, half) }, -1);
            return x * cos + rotated * sin;
        }
    }

    sealed class Mlp : nn.Module
    {
        public readonly AdaptableLinear gate_proj, up_proj, down_proj;
        readonly Func<Tensor, Tensor> _act;
        public Mlp(ModelConfig c) : base("mlp")
        {
            gate_proj = new AdaptableLinear(c.Dim, c.FeedForward, c.MlpBias);
            up_proj = new AdaptableLinear(c.Dim, c.FeedForward, c.MlpBias);
            down_proj = new AdaptableLinear(c.FeedForward, c.Dim, c.MlpBias);
            _act = Activations.Get(c.HiddenAct ?? "silu");
            RegisterComponents();
        }
        public Tensor Forward(Tensor x) => down_proj.forward(_act(gate_proj.forward(x)) * up_proj.forward(x));
    }

    sealed class DecoderLayer : nn.Module
    {
        public readonly RmsNorm input_layernorm, post_attention_layernorm;
        public readonly Attention self_attn;
        public readonly Mlp mlp;
        public DecoderLayer(ModelConfig c, int index) : base("layer")
        {
            input_layernorm = new RmsNorm(c.Dim, c.NormEps);
            self_attn = new Attention(c, index);
            post_attention_layernorm = new RmsNorm(c.Dim, c.NormEps);
            mlp = new Mlp(c);
            RegisterComponents();
        }
        public Tensor Forward(Tensor x, Tensor cos, Tensor sin, KvCache? cache, int layer)
        {
            x = x + self_attn.Forward(input_layernorm.forward(x), cos, sin, cache, layer);
            return x + mlp.Forward(post_attention_layernorm.forward(x));
        }
    }

    sealed class Backbone : nn.Module
    {
        public readonly Embedding embed_tokens;
        public readonly ModuleList<DecoderLayer> layers;
        public readonly RmsNorm norm;
        public Backbone(ModelConfig c) : base("model")
        {
            embed_tokens = Embedding(c.VocabSize, c.Dim);
            layers = new ModuleList<DecoderLayer>(Enumerable.Range(0, c.Layers).Select(i => new DecoderLayer(c, i)).ToArray());
            norm = new RmsNorm(c.Dim, c.NormEps);
            RegisterComponents();
        }
    }

    readonly Backbone model;
    readonly AdaptableLinear? lm_head; // null when tied: the head then reads model.embed_tokens.weight directly
    readonly float[] _invFreq;

    /// <summary>Builds a randomly initialized model of <paramref name="config"/> (family llama; validated first).</summary>
    public LlamaModel(ModelConfig config) : base("llama", config)
    {
        config.Validate("model configuration");
        model = new Backbone(config);
        if (!config.TiedEmbeddings) lm_head = new AdaptableLinear(config.Dim, config.VocabSize, hasBias: false);
        _invFreq = InverseFrequencies(config);
        RegisterComponents();
        InitWeights();
    }

    void InitWeights()
    {
        using var _ = no_grad();
        foreach (var (name, p) in named_parameters())
        {
            if (name.EndsWith("layernorm.weight") || name == "model.norm.weight") p.fill_(1.0);
            else if (name.EndsWith(".bias")) p.zero_();
            else nn.init.normal_(p, 0, 0.02);
        }
    }

    /// <summary>θ_j = rope_theta^(−2j/head_size), j &lt; head_size/2, with optional "linear" or "llama3" scaling (as HF).</summary>
    static float[] InverseFrequencies(ModelConfig c)
    {
        int half = c.HeadSize / 2;
        var inv = new float[half];
        for (int j = 0; j < half; j++) inv[j] = (float)(1.0 / Math.Pow(c.RopeTheta, 2.0 * j / c.HeadSize));
        if (c.RopeScaling is not { } s) return inv;
        switch (s.Type)
        {
            case "linear":
                for (int j = 0; j < half; j++) inv[j] = (float)(inv[j] / s.Factor);
                break;
            case "llama3":
                double lowWavelen = s.OriginalContext / s.LowFreqFactor, highWavelen = s.OriginalContext / s.HighFreqFactor;
                for (int j = 0; j < half; j++)
                {
                    double f = inv[j], wavelen = 2 * Math.PI / f;
                    if (wavelen > lowWavelen) f /= s.Factor;                          // low frequencies: fully scaled
                    else if (wavelen >= highWavelen)                                  // medium: interpolate
                    {
                        double smooth = (s.OriginalContext / wavelen - s.LowFreqFactor) / (s.HighFreqFactor - s.LowFreqFactor);
                        f = (1 - smooth) * f / s.Factor + smooth * f;
                    }
                    inv[j] = (float)f;
                }
                break;
            default:
                throw new CausalPreference.IO.InputException($"unsupported rope scaling '{s.Type}'; supported: linear, llama3");
        }
        return inv;
    }

    /// <summary>cos and sin of the rotation angles for positions past..past+t−1, [t, head_size] (each half repeated), float32 like HF.</summary>
    (Tensor cos, Tensor sin) RotaryTables(long past, long t, Device device, ScalarType dtype)
    {
        var pos = arange(past, past + t, dtype: ScalarType.Float32, device: device);
        var inv = tensor(_invFreq, device: device);
        var angles = outer(pos, inv);
        var emb = cat(new[] { angles, angles }, -1);
        return (emb.cos().to(dtype), emb.sin().to(dtype));
    }

    Tensor Trunk(Tensor ids, KvCache? cache)
    {
        long past = cache?.Length ?? 0, t = ids.shape[1];
        if (past + t > Config.ContextLength)
            throw new ArgumentException($"sequence of {past + t} tokens exceeds the model's context length {Config.ContextLength}");
        var x = model.embed_tokens.forward(ids);
        var (cos, sin) = RotaryTables(past, t, x.device, x.dtype);
        for (int i = 0; i < model.layers.Count; i++) x = model.layers[i].Forward(x, cos, sin, cache, i);
        return model.norm.forward(x);
    }

    /// <summary>Next-token logits [batch, time, vocab] for token ids [batch, time]; with <paramref name="cache"/>, continues the cached positions.</summary>
    public override Tensor Forward(Tensor ids, KvCache? cache)
    {
        var h = Trunk(ids, cache);
        return lm_head is null ? functional.linear(h, model.embed_tokens.weight!) : lm_head.forward(h);
    }

    /// <summary>The final normalized hidden states [batch, time, dim] (the LM head's input).</summary>
    public override Tensor Hidden(Tensor ids) => Trunk(ids, null);
}
