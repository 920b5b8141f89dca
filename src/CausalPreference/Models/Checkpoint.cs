using System.Security.Cryptography;
using System.Text.Json;
using CausalPreference.IO;
using CausalPreference.Text;
using TorchSharp;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace CausalPreference.Models;

/// <summary>
/// A causalpo checkpoint folder:
///   model.safetensors          weights (PyTorch-compatible safetensors; names as in the model family's HF layout)
///   causalpo_config.json       <see cref="ModelConfig"/>
///   causalpo_tokenizer.json    which tokenizer (plus the tokenizer's own files, if any: tokenizer.json for a learned one)
///   checksums.json             SHA-256 of the files above (tokenizer.json included), checked on load
/// Files are written atomically one by one and the checksums last, so a crash never leaves a checkpoint that loads wrongly.
/// Other formats (HF folders, llama2.c files, PEFT adapter folders) are read by loaders registered in <see cref="ForeignLoaders"/>.
/// A model with LoRA adapters is saved complete, with the adapters merged into model.safetensors; with
/// <c>saveAdapters</c> the adapters are also written separately in PEFT's format (adapter_model.safetensors, adapter_config.json).
/// </summary>
public static class Checkpoint
{
    public const string WeightsFile = "model.safetensors", ConfigFile = "causalpo_config.json", ChecksumFile = "checksums.json";

    /// <summary>Loaders for other formats: given a path, return a model and tokenizer or null if not theirs.</summary>
    public static readonly List<Func<string, (CausalLM, ITokenizer)?>> ForeignLoaders = new()
    {
        HfFormat.TryLoad,
        Llama2cFormat.TryLoad,
        LoraAdapters.TryLoadAdapterFolder,
    };

    public static void Save(CausalLM model, ITokenizer tok, string dir, Action<string>? extra = null, bool saveAdapters = false)
    {
        var full = Path.GetFullPath(dir);
        try { Directory.CreateDirectory(full); }
        catch (Exception e) when (e is UnauthorizedAccessException or IOException)
        { throw new InputException($"cannot create the output folder ({e.Message}); choose a writable location", full); }
        // Each file is written to a temporary name and renamed; the checksum file comes last, so a crash in between
        // leaves a folder whose checksums do not match and which Load refuses, never a silently mixed checkpoint.
        var sumsFile = Path.Combine(full, ChecksumFile);
        if (File.Exists(sumsFile)) File.Delete(sumsFile);
        var weights = Path.Combine(full, WeightsFile);
        bool adapted = LoraAdapters.HasAdapters(model);
        // The temporary file is removed on every failure path (AtomicFile.WriteVia), a full disk included.
        AtomicFile.WriteVia(weights, tmp =>
        {
            if (adapted) SafeTensorsFile.Write(tmp, LoraAdapters.ExportStateDict(model)); // merged: a complete model
            else model.save_safetensors(tmp);
        });
        AtomicFile.WriteAllText(Path.Combine(full, ConfigFile), model.Config.ToJson());
        tok.Save(full);
        if (adapted && saveAdapters) LoraAdapters.Save(model, full);
        extra?.Invoke(full);
        var names = new List<string> { WeightsFile, ConfigFile, Tokenizers.ConfigFile, TokenizerJson.FileName };
        if (adapted && saveAdapters) names.AddRange(new[] { LoraAdapters.WeightsFile, LoraAdapters.ConfigFile });
        var sums = names.Where(n => File.Exists(Path.Combine(full, n))).ToDictionary(n => n, n => Sha256(Path.Combine(full, n)));
        AtomicFile.WriteAllText(sumsFile, JsonSerializer.Serialize(sums, new JsonSerializerOptions { WriteIndented = true }));
    }

    public static bool IsCheckpoint(string dir) => File.Exists(Path.Combine(dir, ConfigFile)) && File.Exists(Path.Combine(dir, WeightsFile));

    /// <summary>Loads a checkpoint folder (or a foreign format) onto <paramref name="device"/>.</summary>
    public static (CausalLM model, ITokenizer tok) Load(string path, Device? device = null)
    {
        if (!File.Exists(path) && !Directory.Exists(path))
            throw new InputException("model not found; give a checkpoint folder written by causalpo, a Hugging Face folder, a llama2.c .bin checkpoint (with its tokenizer.bin beside it), or 'tiny'", path);
        if (Directory.Exists(path) && IsCheckpoint(path))
        {
            VerifyChecksums(path);
            var cfg = ModelConfig.FromJson(File.ReadAllText(Path.Combine(path, ConfigFile)), Path.Combine(path, ConfigFile));
            var tok = Tokenizers.Load(path);
            var model = ModelFactory.Create(cfg);
            try { model.load_safetensors(Path.Combine(path, WeightsFile), strict: true); }
            catch (Exception e) when (e is not InputException)
            { throw new InputException($"the weights do not load ({e.Message}); the file is corrupt or belongs to another configuration", Path.Combine(path, WeightsFile)); }
            if (tok.VocabSize > cfg.VocabSize)
                throw new InputException($"tokenizer '{tok.Kind}' has {tok.VocabSize} tokens but the model only {cfg.VocabSize}: they do not belong together", path);
            RequireFinite(model, Path.Combine(path, WeightsFile));
            ModelSource.Remember(model, path);
            if (device != null) model.to(device);
            TorchRuntime.TuneThreadsFor(model.ParameterCount());
            return (model, tok);
        }
        foreach (var loader in ForeignLoaders)
            if (loader(path) is { } found)
            {
                RequireFinite(found.Item1, path);
                ModelSource.Remember(found.Item1, path);
                if (device != null) found.Item1.to(device);
                TorchRuntime.TuneThreadsFor(found.Item1.ParameterCount());
                return found;
            }
        throw new InputException($"not a model this tool can read: expected {ConfigFile} and {WeightsFile} (a causalpo checkpoint), a Hugging Face folder (config.json, *.safetensors, tokenizer.json) or a llama2.c .bin checkpoint with its tokenizer.bin", path);
    }

    /// <summary>Refuses a model with NaN or ±∞ weights, naming the first such tensor: nothing computed from it would mean anything.</summary>
    static void RequireFinite(CausalLM model, string path)
    {
        using var _ = no_grad();
        foreach (var (name, p) in model.named_parameters())
            if (!p.isfinite().all().item<bool>())
                throw new InputException($"the weights hold NaN or ±∞ values (first in tensor '{name}'); the model is damaged — retrain it or restore a good copy", path);
    }

    static void VerifyChecksums(string dir)
    {
        var file = Path.Combine(dir, ChecksumFile);
        if (!File.Exists(file)) return; // folders made by hand may lack it
        Dictionary<string, string>? sums;
        try { sums = JsonSerializer.Deserialize<Dictionary<string, string>>(File.ReadAllText(file)); }
        catch (JsonException e) { throw new InputException($"corrupt checksum file ({e.Message}); delete it to skip verification or re-save the model", file); }
        foreach (var (name, sum) in sums ?? new())
        {
            var p = Path.Combine(dir, name);
            if (!File.Exists(p)) throw new InputException($"checkpoint file '{name}' is missing; the checkpoint is incomplete — re-run the step that wrote it", dir);
            if (!string.Equals(Sha256(p), sum, StringComparison.OrdinalIgnoreCase))
                throw new InputException($"checkpoint file '{name}' does not match its checksum (truncated or corrupt); re-run the step that wrote it", p);
        }
    }

    public static string Sha256(string path)
    {
        using var s = File.OpenRead(path);
        return Convert.ToHexString(SHA256.HashData(s)).ToLowerInvariant();
    }

    /// <summary>Resolves a --base/--model argument: "tiny"/"micro" make a fresh model (with <paramref name="scratchTokenizer"/>
    /// if given, its vocabulary sized to it; else the built-in byte tokenizer); anything else is loaded.</summary>
    public static (CausalLM model, ITokenizer tok) LoadOrCreate(string spec, Device? device = null, long seed = 0, ITokenizer? scratchTokenizer = null)
    {
        ModelConfig? builtIn = spec switch { "tiny" => ModelConfig.Tiny, "micro" => ModelConfig.Micro, _ => null };
        if (builtIn is null) return Load(spec, device);
        if (scratchTokenizer is not null) builtIn = builtIn with { VocabSize = scratchTokenizer.VocabSize, Tokenizer = scratchTokenizer.Kind };
        torch.manual_seed(seed);
        var model = ModelFactory.Create(builtIn);
        if (device != null) model.to(device);
        TorchRuntime.TuneThreadsFor(model.ParameterCount());
        return (model, scratchTokenizer ?? Tokenizers.Create(builtIn.Tokenizer));
    }
}
