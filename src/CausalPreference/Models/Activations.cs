using CausalPreference.IO;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace CausalPreference.Models;

/// <summary>MLP activations by their Hugging Face names (config.json's hidden_act / activation_function).</summary>
public static class Activations
{
    /// <summary>The activation names <see cref="Get"/> accepts (<c>swish</c> is an alias of <c>silu</c>,
    /// <c>gelu_pytorch_tanh</c> of <c>gelu_new</c>).</summary>
    public static readonly IReadOnlyList<string> Known = new[] { "silu", "swish", "gelu_new", "gelu_pytorch_tanh", "gelu", "relu" };

    /// <summary>The activation a config names: <c>silu</c>/<c>swish</c> x·σ(x), <c>gelu_new</c>/<c>gelu_pytorch_tanh</c> the
    /// tanh approximation of GELU (GPT-2's), <c>gelu</c> the exact (erf) GELU, <c>relu</c>. Throws
    /// <see cref="InputException"/> for any other name.</summary>
    public static Func<Tensor, Tensor> Get(string name) => name switch
    {
        "silu" or "swish" => x => functional.silu(x),
        "gelu_new" or "gelu_pytorch_tanh" => Gpt2Model.GeluTanh,
        "gelu" => x => functional.gelu(x),
        "relu" => x => functional.relu(x),
        _ => throw new InputException($"unsupported activation '{name}'; supported: {string.Join(", ", Known)}"),
    };
}
