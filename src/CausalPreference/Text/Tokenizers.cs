using System.Text.Json;
using CausalPreference.IO;

namespace CausalPreference.Text;

/// <summary>Creates and loads tokenizers by kind; a checkpoint folder names its tokenizer in <see cref="ConfigFile"/>.</summary>
public static class Tokenizers
{
    /// <summary>"causalpo_tokenizer.json": <c>{"kind": …}</c> (and, for Hugging Face tokenizers, the BOS, EOS and PAD ids)
    /// in a checkpoint folder.</summary>
    public const string ConfigFile = "causalpo_tokenizer.json";

    /// <summary>Extra loaders for other tokenizer files (Hugging Face tokenizer.json, llama2.c tokenizer.bin), tried in order.</summary>
    public static readonly List<Func<string, ITokenizer?>> FolderLoaders = new()
    {
        TokenizerJson.TryLoadFolder,
        Llama2cTokenizer.TryLoadFolder,
    };

    /// <summary>The kind named by the folder's <see cref="ConfigFile"/>, or null when there is none or it is unreadable.</summary>
    public static string? SavedKind(string dir)
    {
        var cfg = Path.Combine(dir, ConfigFile);
        if (!File.Exists(cfg)) return null;
        try { return JsonDocument.Parse(File.ReadAllText(cfg)).RootElement.GetProperty("kind").GetString(); }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException) { return null; }
    }

    /// <summary>A built-in tokenizer by kind: "byte" (<see cref="ByteTokenizer"/>) or "gpt2" (<see cref="Gpt2Tokenizer"/>).
    /// Throws <see cref="InputException"/> for any other kind.</summary>
    public static ITokenizer Create(string kind) => kind switch
    {
        "byte" => new ByteTokenizer(),
        "gpt2" => new Gpt2Tokenizer(),
        _ => throw new InputException($"unknown tokenizer kind '{kind}'; known: byte, gpt2"),
    };

    /// <summary>The tokenizer of a model folder: the built-in kind its <see cref="ConfigFile"/> names, otherwise the first of
    /// <see cref="FolderLoaders"/> that finds its files. Throws <see cref="InputException"/> when <see cref="ConfigFile"/> is
    /// corrupt or no tokenizer is found.</summary>
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
        throw new InputException($"no tokenizer found in the model folder (expected {ConfigFile}, a Hugging Face tokenizer.json " +
                                 "or vocab.json + merges.txt, or a llama2.c tokenizer.bin); copy the model's tokenizer files beside its weights", dir);
    }
}
