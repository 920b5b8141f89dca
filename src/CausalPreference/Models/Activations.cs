using CausalPreference.IO;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace CausalPreference.Models;

/// <summary>MLP activations by their Hugging Face names (config.json's hidden_act / activation_function).</summary>
public static class Activations
{
    public static readonly IReadOnlyList<string> Known = new[] { "silu", "swish", "gelu_new", "gelu_pytorch_tanh", "gelu", "relu" };

    public static Func<Tensor, Tensor> Get(string name) => name switch
    {
        "silu" or "swish" => x => functional.silu(x),
        "gelu_new" or "gelu_pytorch_tanh" => Gpt2Model.GeluTanh,
        "gelu" => x => functional.gelu(x),
        "relu" => x => functional.relu(x),
        _ => throw new InputException($"unsupported activation '{name}'; supported: {string.Join(", ", Known)}"),
    };
}
