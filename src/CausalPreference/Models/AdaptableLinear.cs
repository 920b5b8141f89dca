using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace CausalPreference.Models;

/// <summary>
/// A linear layer y = x·Wᵀ + b (W stored [out, in] like nn.Linear, under the same parameter names <c>weight</c> and
/// <c>bias</c>) that can carry a LoRA adapter: y = x·Wᵀ + b + (α/r)·dropout(x)·Aᵀ·Bᵀ with A [r, in] and B [out, r]
/// registered as <c>lora_A</c> and <c>lora_B</c> only while an adapter is attached. Without an adapter it computes
/// exactly what nn.Linear computes, and its state-dict names are those of nn.Linear, so checkpoints are unchanged.
/// Adapters are managed through <see cref="LoraAdapters"/>.
/// </summary>
public sealed class AdaptableLinear : nn.Module<Tensor, Tensor>
{
    // Public fields (not properties): TorchSharp registers and moves parameters found in fields, named after the field.
    /// <summary>The base weight W, [out, in].</summary>
    public Parameter weight;
    /// <summary>The bias b, [out]; null for a layer without bias.</summary>
    public Parameter? bias;
    /// <summary>The adapter's down-projection A, [r, in]; null while no adapter is attached.</summary>
    public Parameter? lora_A;
    /// <summary>The adapter's up-projection B, [out, r] (zero when attached); null while no adapter is attached.</summary>
    public Parameter? lora_B;

    /// <summary>Input width (the last dimension of x).</summary>
    public long InFeatures { get; }
    /// <summary>Output width (the last dimension of y).</summary>
    public long OutFeatures { get; }
    /// <summary>α / r of the attached adapter (0 when none).</summary>
    public double Scaling { get; private set; }
    /// <summary>Dropout applied to the adapter's input in training mode.</summary>
    public double AdapterDropout { get; private set; }
    /// <summary>When false the adapter is skipped and the layer computes the base transformation exactly.</summary>
    public bool AdapterEnabled { get; set; } = true;
    /// <summary>Whether a LoRA adapter is attached (enabled or not, see <see cref="AdapterEnabled"/>).</summary>
    public bool HasAdapter => lora_A is not null;

    /// <summary>Initialized as nn.Linear is (Kaiming-uniform weight, uniform bias), drawing the same random numbers.</summary>
    public AdaptableLinear(long inFeatures, long outFeatures, bool hasBias = true) : base("linear")
    {
        InFeatures = inFeatures; OutFeatures = outFeatures;
        weight = new Parameter(empty(outFeatures, inFeatures));
        init.kaiming_uniform_(weight, Math.Sqrt(5));
        if (hasBias)
        {
            bias = new Parameter(empty(outFeatures));
            var bound = 1.0 / Math.Sqrt(inFeatures);
            init.uniform_(bias, -bound, bound);
        }
        RegisterComponents();
    }

    /// <summary>y = x·Wᵀ + b, plus (α/r)·dropout(x)·Aᵀ·Bᵀ when an adapter is attached and enabled (dropout only in
    /// training mode). <paramref name="x"/> is [..., in]; y is [..., out].</summary>
    public override Tensor forward(Tensor x)
    {
        var y = functional.linear(x, weight, bias);
        if (lora_A is null || lora_B is null || !AdapterEnabled) return y;
        var h = AdapterDropout > 0 && training ? functional.dropout(x, AdapterDropout, true) : x;
        return y + functional.linear(functional.linear(h, lora_A), lora_B) * Scaling;
    }

    /// <summary>Attaches a fresh adapter: A Kaiming-uniform as in PEFT, B zero, so the layer's output is unchanged.</summary>
    public void AttachAdapter(int rank, double alpha, double dropout)
    {
        if (rank <= 0) throw new ArgumentOutOfRangeException(nameof(rank), "LoRA rank must be positive");
        if (HasAdapter) throw new InvalidOperationException("this layer already has a LoRA adapter; remove or merge it first");
        using var _ = no_grad();
        var a = empty(rank, InFeatures, dtype: weight.dtype, device: weight.device);
        init.kaiming_uniform_(a, Math.Sqrt(5));
        lora_A = new Parameter(a);
        lora_B = new Parameter(zeros(OutFeatures, rank, dtype: weight.dtype, device: weight.device));
        ConditionallyRegisterParameter(nameof(lora_A), lora_A);
        ConditionallyRegisterParameter(nameof(lora_B), lora_B);
        Scaling = alpha / rank;
        AdapterDropout = dropout;
        AdapterEnabled = true;
    }

    /// <summary>B·A·(α/r), the adapter's contribution to the weight, [out, in] (no gradient).</summary>
    public Tensor AdapterDelta()
    {
        if (lora_A is null || lora_B is null) throw new InvalidOperationException("no LoRA adapter attached");
        using var _ = no_grad();
        return (lora_B.matmul(lora_A) * Scaling).to(weight.dtype);
    }

    /// <summary>Removes the adapter (without merging it).</summary>
    public void RemoveAdapter()
    {
        lora_A?.Dispose(); lora_B?.Dispose();
        lora_A = null; lora_B = null;
        ConditionallyRegisterParameter(nameof(lora_A), null);
        ConditionallyRegisterParameter(nameof(lora_B), null);
        Scaling = 0; AdapterDropout = 0; AdapterEnabled = true;
    }

    /// <summary>Folds the adapter into the weight (W ← W + B·A·α/r) and removes it.</summary>
    public void MergeAdapter()
    {
        if (!HasAdapter) return;
        using (no_grad())
        using (var delta = AdapterDelta())
            weight.add_(delta);
        RemoveAdapter();
    }
}
