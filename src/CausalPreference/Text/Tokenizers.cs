using System.Text.Json;
using CausalPreference.IO;

namespace CausalPreference.Text;

/// <summary>Creates and loads tokenizers by kind; a checkpoint folder names its tokenizer in <see cref="ConfigFile"/>.</summary>
public static class Tokenizers
{
    public const string ConfigFile = "causalpo_tokenizer.json";

    /// <summary>Extra loaders registered by other model families (e.g. tokenizer.json, llama2.c), tried in order.</summary>
    public static readonly List<Func<string, ITokenizer?>> FolderLoaders = new();

    public static ITokenizer Create(string kind) => kind switch
    {
        "byte" => new ByteTokenizer(),
        "gpt2" => new Gpt2Tokenizer(),
        _ => throw new InputException($"unknown tokenizer kind '{kind}'; known: byte, gpt2"),
    };

    public static ITokenizer Load(string dir)
    {
        var cfg = Path.Combine(dir, ConfigFile);
        if (File.Exists(cfg))
        {
            string? kind;
            try { kind = JsonDocument.Parse(File.ReadAllText(cfg)).RootElement.GetProperty("kind").GetString(); }
            catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException)
            { throw new InputException($"corrupt tokenizer description ({e.Message}); re-save the model", cfg); }
            if (kind is "byte" or "gpt2") return Create(kind);
        }
        foreach (var loader in FolderLoaders)
            if (loader(dir) is { } t) return t;
        throw new InputException($"no tokenizer found in the model folder (expected {ConfigFile}); " +
                                 "a causalpo checkpoint folder holds it beside model.safetensors", dir);
    }
}
