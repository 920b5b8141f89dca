using TorchSharp;
using static TorchSharp.torch;

namespace CausalPreference.Models;

/// <summary>
/// A decoder-only language model: token ids [B,T] in, next-token logits [B,T,V] out. Every family
/// (GPT-2, Llama, ...) derives from this, so scoring, generation and training are written once.
/// </summary>
public abstract class CausalLM : nn.Module<Tensor, Tensor>
{
    /// <summary>A model named <paramref name="name"/> (TorchSharp's module name) with the architecture
    /// <paramref name="config"/>; the family's constructor builds and registers the layers.</summary>
    protected CausalLM(string name, ModelConfig config) : base(name) { Config = config; }

    /// <summary>The architecture this model was built from (saved with it as <c>causalpo_config.json</c>).</summary>
    public ModelConfig Config { get; }

    /// <summary>Logits for ids [B,T]; with a cache, the ids continue the cached positions and the cache is extended.</summary>
    public abstract Tensor Forward(Tensor ids, KvCache? cache);

    /// <summary>Next-token logits [B,T,V] for ids [B,T], without a cache: <c>Forward(ids, null)</c>.</summary>
    public override Tensor forward(Tensor ids) => Forward(ids, null);

    /// <summary>Last hidden state [B,T,D] (after the final norm), used by outcome-model heads.</summary>
    public abstract Tensor Hidden(Tensor ids);

    /// <summary>The device the model's parameters are on (that of the first parameter).</summary>
    public Device Device => parameters().First().device;

    /// <summary>Number of parameters, a tied tensor counted once.</summary>
    public long ParameterCount() => UniqueParameters().Sum(p => p.numel());

    /// <summary>
    /// The parameters with each tensor listed once. A tied LM head is registered under two names (its embedding's and
    /// lm_head.weight) and <c>parameters()</c> returns it twice; an optimizer given both would update the tensor twice per
    /// step with two sets of moments, and gradient clipping would count its gradient twice. Tensors are identified by
    /// their storage (float32/float64), otherwise by the tied-head rule of <see cref="ModelConfig.TiedEmbeddings"/>.
    /// </summary>
    public IReadOnlyList<TorchSharp.Modules.Parameter> UniqueParameters()
    {
        var seen = new HashSet<(long, long, string)>();
        var list = new List<TorchSharp.Modules.Parameter>();
        foreach (var (name, p) in named_parameters())
        {
            long storage = p.dtype switch
            {
                ScalarType.Float32 => (long)p.storage<float>().data_ptr(),
                ScalarType.Float64 => (long)p.storage<double>().data_ptr(),
                _ => 0,
            };
            if (storage == 0 ? Config.TiedEmbeddings && name == "lm_head.weight"
                             : !seen.Add((storage, p.storage_offset(), string.Join(",", p.shape))))
                continue;
            list.Add(p);
        }
        return list;
    }

    /// <summary>
    /// Called after <c>to(device)</c> / <c>to(dtype)</c>. TorchSharp moves every parameter field separately, which
    /// unties shared weights (a tied LM head would silently become a copy); families re-tie them here.
    /// </summary>
    protected virtual void OnMoved() { }

    /// <summary>Moves the model as TorchSharp does, then calls <see cref="OnMoved"/> to re-tie shared weights.</summary>
    protected override nn.Module _to(Device device, ScalarType dtype, bool non_blocking)
    { var m = base._to(device, dtype, non_blocking); OnMoved(); return m; }

    /// <summary>Moves the model as TorchSharp does, then calls <see cref="OnMoved"/> to re-tie shared weights.</summary>
    protected override nn.Module _to(DeviceType deviceType, int deviceIndex, bool non_blocking)
    { var m = base._to(deviceType, deviceIndex, non_blocking); OnMoved(); return m; }

    /// <summary>Converts the model as TorchSharp does, then calls <see cref="OnMoved"/> to re-tie shared weights.</summary>
    protected override nn.Module _to(ScalarType dtype, bool non_blocking)
    { var m = base._to(dtype, non_blocking); OnMoved(); return m; }
}

/// <summary>Per-layer key/value cache for incremental decoding.</summary>
public sealed class KvCache : IDisposable
{
    /// <summary>Cached keys per layer, [B,H_kv,T,Dh] (after the position rotation where the family has one); null for a
    /// layer that has seen no positions yet.</summary>
    public Tensor?[] Keys { get; }
    /// <summary>Cached values per layer, [B,H_kv,T,Dh]; null for a layer that has seen no positions yet.</summary>
    public Tensor?[] Values { get; }
    /// <summary>An empty cache for a model with <paramref name="layers"/> layers.</summary>
    public KvCache(int layers) { Keys = new Tensor?[layers]; Values = new Tensor?[layers]; }
    /// <summary>Number of positions already cached (by the first layer: read it before a forward pass, not during one).</summary>
    public long Length => Keys[0] is { } k ? k.shape[2] : 0;

    /// <summary>Number of positions cached for one layer. Inside a forward pass layers below have already appended the new
    /// positions, so attention must use this (its own layer's length before appending), never <see cref="Length"/>.</summary>
    public long LengthOf(int layer) => Keys[layer] is { } k ? k.shape[2] : 0;

    /// <summary>Appends k, v [B,H,T,Dh] for one layer and returns the full cached tensors.</summary>
    public (Tensor k, Tensor v) Append(int layer, Tensor k, Tensor v)
    {
        var (pk, pv) = (Keys[layer], Values[layer]);
        var nk = pk is null ? k.detach() : torch.cat(new[] { pk, k.detach() }, 2);
        var nv = pv is null ? v.detach() : torch.cat(new[] { pv, v.detach() }, 2);
        nk.DetachFromDisposeScope(); nv.DetachFromDisposeScope();
        pk?.Dispose(); pv?.Dispose();
        Keys[layer] = nk; Values[layer] = nv;
        return (nk, nv);
    }

    /// <summary>Disposes every cached tensor and empties the cache.</summary>
    public void Dispose()
    {
        for (int i = 0; i < Keys.Length; i++) { Keys[i]?.Dispose(); Values[i]?.Dispose(); Keys[i] = Values[i] = null; }
    }
}
