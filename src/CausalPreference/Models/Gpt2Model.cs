using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace CausalPreference.Models;

/// <summary>
/// GPT-2: learned position embeddings, pre-LayerNorm blocks, fused QKV projection, tanh-GELU MLP, tied LM head.
/// Parameter names follow Hugging Face's GPT-2 (transformer.h.0.attn.c_attn.weight, ...), with weights stored as
/// [out, in] like nn.Linear; the HF Conv1D layout ([in, out]) is a transpose handled by <see cref="HfFormat"/>.
/// The projections are <see cref="AdaptableLinear"/> layers, so LoRA adapters can be attached (<see cref="LoraAdapters"/>).
/// </summary>
public sealed class Gpt2Model : CausalLM
{
    sealed class Backbone : nn.Module
    {
        public readonly Embedding wte, wpe;
        public readonly ModuleList<Block> h;
        public readonly LayerNorm ln_f;
        public readonly Dropout drop;
        public Backbone(ModelConfig c) : base("transformer")
        {
            wte = Embedding(c.VocabSize, c.Dim);
            wpe = Embedding(c.ContextLength, c.Dim);
            drop = Dropout(c.Dropout);
            h = new ModuleList<Block>(Enumerable.Range(0, c.Layers).Select(_ => new Block(c)).ToArray());
            ln_f = LayerNorm(c.Dim, c.NormEps);
            RegisterComponents();
        }
    }

    sealed class Attention : nn.Module
    {
        public readonly AdaptableLinear c_attn, c_proj;
        public readonly Dropout resid_dropout;
        readonly int _heads;
        readonly double _p;
        public Attention(ModelConfig c) : base("attn")
        {
            c_attn = new AdaptableLinear(c.Dim, 3 * c.Dim);
            c_proj = new AdaptableLinear(c.Dim, c.Dim);
            resid_dropout = Dropout(c.Dropout);
            _heads = c.Heads; _p = c.Dropout;
            RegisterComponents();
        }

        public Tensor Forward(Tensor x, KvCache? cache, int layer)
        {
            var (b, t, d) = (x.shape[0], x.shape[1], x.shape[2]);
            var qkv = c_attn.forward(x).view(b, t, 3, _heads, d / _heads).permute(2, 0, 3, 1, 4); // [3,B,H,T,Dh]
            Tensor q = qkv[0], k = qkv[1], v = qkv[2];
            Tensor y;
            if (cache is null)
            {
                y = functional.scaled_dot_product_attention(q, k, v, p: training ? _p : 0.0, is_casual: true);
            }
            else
            {
                long past = cache.LengthOf(layer);
                (k, v) = cache.Append(layer, k, v);
                if (past == 0)
                    y = functional.scaled_dot_product_attention(q, k, v, is_casual: true);
                else if (t == 1)
                    y = functional.scaled_dot_product_attention(q, k, v); // one new query sees every cached key: no mask to build
                else
                {
                    // new query i (absolute position past+i) may see keys 0..past+i
                    var total = k.shape[2];
                    var qi = arange(t, device: x.device).unsqueeze(1) + past;
                    var kj = arange(total, device: x.device).unsqueeze(0);
                    var mask = kj <= qi; // [t,total] boolean, true = attend
                    y = functional.scaled_dot_product_attention(q, k, v, attn_mask: mask);
                }
            }
            y = y.transpose(1, 2).contiguous().view(b, t, d);
            return resid_dropout.forward(c_proj.forward(y));
        }
    }

    sealed class Mlp : nn.Module
    {
        public readonly AdaptableLinear c_fc, c_proj;
        public readonly Dropout dropout;
        readonly Func<Tensor, Tensor> _act;
        public Mlp(ModelConfig c) : base("mlp")
        {
            c_fc = new AdaptableLinear(c.Dim, c.FeedForward);
            c_proj = new AdaptableLinear(c.FeedForward, c.Dim);
            dropout = Dropout(c.Dropout);
            _act = Activations.Get(c.HiddenAct ?? "gelu_new");
            RegisterComponents();
        }
        public Tensor Forward(Tensor x) => dropout.forward(c_proj.forward(_act(c_fc.forward(x))));
    }

    /// <summary>GPT-2's tanh approximation of GELU ("gelu_new"): 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))), computed by
    /// libtorch's fused kernel (one op forward and backward instead of eight, and no saved intermediates).</summary>
    internal static Tensor GeluTanh(Tensor x) => functional.gelu(x, TorchSharp.Modules.GELU.Approximate.tanh);

    sealed class Block : nn.Module
    {
        public readonly LayerNorm ln_1, ln_2;
        public readonly Attention attn;
        public readonly Mlp mlp;
        public Block(ModelConfig c) : base("block")
        {
            ln_1 = LayerNorm(c.Dim, c.NormEps);
            attn = new Attention(c);
            ln_2 = LayerNorm(c.Dim, c.NormEps);
            mlp = new Mlp(c);
            RegisterComponents();
        }
        public Tensor Forward(Tensor x, KvCache? cache, int layer)
        {
            x = x + attn.Forward(ln_1.forward(x), cache, layer);
            return x + mlp.Forward(ln_2.forward(x));
        }
    }

    readonly Backbone transformer;
    readonly Linear lm_head;

    /// <summary>A randomly initialized GPT-2 as in the GPT-2 paper: weights N(0, 0.02²), residual output projections
    /// (<c>c_proj</c>) N(0, (0.02/√(2·layers))²), biases 0, LayerNorm gains 1; the LM head is tied to the token embedding
    /// when <see cref="ModelConfig.TiedEmbeddings"/>. Throws <see cref="IO.InputException"/> for an invalid
    /// <paramref name="config"/>.</summary>
    public Gpt2Model(ModelConfig config) : base("gpt2", config)
    {
        config.Validate("model configuration");
        transformer = new Backbone(config);
        lm_head = Linear(config.Dim, config.VocabSize, hasBias: false);
        if (config.TiedEmbeddings) lm_head.weight = transformer.wte.weight!;
        RegisterComponents();
        InitWeights();
    }

    /// <summary>Re-ties the LM head to the token embedding after a move (when the config ties them).</summary>
    protected override void OnMoved()
    {
        if (Config.TiedEmbeddings) lm_head.weight = transformer.wte.weight!;
    }

    void InitWeights()
    {
        using var _ = no_grad();
        foreach (var (name, p) in named_parameters())
        {
            if (name.EndsWith(".bias")) p.zero_();
            else if (name.Contains("ln_")) p.fill_(1.0);
            else
            {
                double std = name.EndsWith("c_proj.weight") ? 0.02 / Math.Sqrt(2 * Config.Layers) : 0.02;
                nn.init.normal_(p, 0, std);
            }
        }
    }

    Tensor Embed(Tensor ids, long past)
    {
        var t = ids.shape[1];
        if (past + t > Config.ContextLength)
            throw new ArgumentException($"sequence of {past + t} tokens exceeds the model's context length {Config.ContextLength}");
        var pos = arange(past, past + t, dtype: ScalarType.Int64, device: ids.device);
        return transformer.drop.forward(transformer.wte.forward(ids) + transformer.wpe.forward(pos));
    }

    Tensor Trunk(Tensor ids, KvCache? cache)
    {
        var x = Embed(ids, cache?.Length ?? 0);
        for (int i = 0; i < transformer.h.Count; i++) x = transformer.h[i].Forward(x, cache, i);
        return transformer.ln_f.forward(x);
    }

    /// <inheritdoc/>
    /// <remarks>Throws <see cref="ArgumentException"/> when the cached and new positions together exceed
    /// <see cref="ModelConfig.ContextLength"/> (learned position embeddings have no entry past it).</remarks>
    public override Tensor Forward(Tensor ids, KvCache? cache) => lm_head.forward(Trunk(ids, cache));

    /// <inheritdoc/>
    public override Tensor Hidden(Tensor ids) => Trunk(ids, null);
}
