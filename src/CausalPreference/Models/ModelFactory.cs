using CausalPreference.IO;

namespace CausalPreference.Models;

/// <summary>Builds a model of the family a configuration names. Other families register themselves in <see cref="Families"/>.</summary>
public static class ModelFactory
{
    public static readonly Dictionary<string, Func<ModelConfig, CausalLM>> Families = new()
    {
        ["gpt2"] = c => new Gpt2Model(c),
        ["llama"] = c => new LlamaModel(c),
    };

    public static CausalLM Create(ModelConfig config) =>
        Families.TryGetValue(config.Family, out var make)
            ? make(config)
            : throw new InputException($"unknown model family '{config.Family}'; known: {string.Join(", ", Families.Keys)}");
}
