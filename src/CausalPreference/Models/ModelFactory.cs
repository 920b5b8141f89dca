using CausalPreference.IO;

namespace CausalPreference.Models;

/// <summary>Builds a model of the family a configuration names. Other families register themselves in <see cref="Families"/>.</summary>
public static class ModelFactory
{
    /// <summary>Family name (<see cref="ModelConfig.Family"/>) → constructor of a randomly initialized model of that family.</summary>
    public static readonly Dictionary<string, Func<ModelConfig, CausalLM>> Families = new()
    {
        ["gpt2"] = c => new Gpt2Model(c),
        ["llama"] = c => new LlamaModel(c),
    };

    /// <summary>A randomly initialized model of <paramref name="config"/>'s family; throws <see cref="InputException"/> for a
    /// family not in <see cref="Families"/> or an invalid configuration.</summary>
    public static CausalLM Create(ModelConfig config) =>
        Families.TryGetValue(config.Family, out var make)
            ? make(config)
            : throw new InputException($"unknown model family '{config.Family}'; known: {string.Join(", ", Families.Keys)}");
}
