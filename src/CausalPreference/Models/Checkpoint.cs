using System.Security.Cryptography;
using System.Text.Json;
using CausalPreference.IO;
using CausalPreference.Text;
using TorchSharp;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace CausalPreference.Models;

/// <summary>
/// A causalpo checkpoint folder is a Hugging Face folder first, with the tool's own metadata beside it:
///   config.json                transformers' configuration (model_type, architectures, torch_dtype; see <see cref="HfFormat.ConfigJson"/>)
///   generation_config.json     BOS and EOS ids
///   model.safetensors          weights in transformers' names and layouts (GPT-2's Conv1D projections [in, out], no
///                              lm_head.weight for a tied head), so AutoModelForCausalLM.from_pretrained loads the folder
///   tokenizer.json, tokenizer_config.json, special_tokens_map.json   the tokenizer as transformers reads it (<see cref="HfTokenizerFiles"/>)
///   causalpo_config.json       <see cref="ModelConfig"/>: the tool's metadata, which other libraries ignore
///   causalpo_tokenizer.json    which tokenizer the tool uses
///   checksums.json             SHA-256 of the files above, checked on load
/// A model without a Hugging Face form (an architecture variant transformers lacks) is saved without config.json, its
/// weights then in the tool's own layout (nn.Linear's [out, in] everywhere); a tokenizer without an exact tokenizer.json
/// form (llama2.c's, the embedded GPT-2 one) is saved in the tool's form only. Folders written before the Hugging Face
/// layout (no config.json) load as before: config.json's presence says which layout the weights have.
/// Files are written atomically one by one and the checksums last, so a crash never leaves a checkpoint that loads wrongly.
/// Other formats (HF folders, llama2.c files, PEFT adapter folders) are read by loaders registered in <see cref="ForeignLoaders"/>.
/// A model with LoRA adapters is saved complete, with the adapters merged into model.safetensors; with
/// <c>saveAdapters</c> the adapters are also written separately in PEFT's format (adapter_model.safetensors,
/// adapter_config.json naming the base the model was loaded from).
/// </summary>
public static class Checkpoint
{
    /// <summary>The weights (transformers' layout when config.json is beside them).</summary>
    public const string WeightsFile = "model.safetensors";
    /// <summary>The tool's <see cref="ModelConfig"/>; its presence with <see cref="WeightsFile"/> makes a folder a causalpo checkpoint.</summary>
    public const string ConfigFile = "causalpo_config.json";
    /// <summary>SHA-256 of every file of the checkpoint, written last and checked on load.</summary>
    public const string ChecksumFile = "checksums.json";

    /// <summary>Loaders for other formats: given a path, return a model and tokenizer or null if not theirs.</summary>
    public static readonly List<Func<string, (CausalLM, ITokenizer)?>> ForeignLoaders = new()
    {
        HfFormat.TryLoad,
        Llama2cFormat.TryLoad,
        LoraAdapters.TryLoadAdapterFolder,
    };

    /// <summary>Writes <paramref name="model"/> and <paramref name="tok"/> as a checkpoint folder (see the type's summary).</summary>
    /// <param name="model">The model; LoRA adapters, if attached, are merged into the saved weights.</param>
    /// <param name="tok">Its tokenizer.</param>
    /// <param name="dir">The folder (created if missing; files of an earlier checkpoint there are replaced one by one).</param>
    /// <param name="extra">Writes further files into the folder before the checksums (covered by them only if listed here).</param>
    /// <param name="saveAdapters">Also write attached LoRA adapters alone in PEFT's format.</param>
    /// <exception cref="InputException">The folder cannot be created.</exception>
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
        bool hf = HfFormat.CannotExpress(model.Config, tok) is null;
        // The temporary file is removed on every failure path (AtomicFile.WriteVia), a full disk included.
        AtomicFile.WriteVia(weights, tmp =>
        {
            if (hf) HfFormat.WriteWeights(model, tmp); // merged adapters, transformers' layout
            else if (adapted) SafeTensorsFile.Write(tmp, LoraAdapters.ExportStateDict(model)); // merged: a complete model
            else model.save_safetensors(tmp);
        });
        var hfConfig = Path.Combine(full, HfFormat.ConfigFile);
        if (hf) HfFormat.WriteConfigFiles(model, tok, full);
        else if (File.Exists(hfConfig)) File.Delete(hfConfig); // the weights are in the tool's layout: nothing may read them as HF's
        AtomicFile.WriteAllText(Path.Combine(full, ConfigFile), model.Config.ToJson());
        tok.Save(full);
        if (hf && tok.Kind != "hf" && HfTokenizerFiles.CannotExpress(tok) is null) HfTokenizerFiles.Write(tok, full, model.Config.ContextLength);
        if (adapted && saveAdapters) LoraAdapters.Save(model, full, ModelSource.Of(model));
        extra?.Invoke(full);
        var names = new List<string> { WeightsFile, ConfigFile, Tokenizers.ConfigFile, TokenizerJson.FileName, HfFormat.ConfigFile,
            HfFormat.GenerationConfigFile, HfTokenizerFiles.ConfigFile, HfTokenizerFiles.SpecialTokensFile };
        if (adapted && saveAdapters) names.AddRange(new[] { LoraAdapters.WeightsFile, LoraAdapters.ConfigFile });
        var sums = names.Where(n => File.Exists(Path.Combine(full, n))).ToDictionary(n => n, n => Sha256(Path.Combine(full, n)));
        AtomicFile.WriteAllText(sumsFile, JsonSerializer.Serialize(sums, new JsonSerializerOptions { WriteIndented = true }));
    }

    /// <summary>True when the checkpoint's weights are in transformers' layout (written with config.json beside them).</summary>
    public static bool HasHfLayout(string dir) => File.Exists(Path.Combine(dir, HfFormat.ConfigFile));

    /// <summary>True when <paramref name="dir"/> holds a causalpo checkpoint (<see cref="ConfigFile"/> and <see cref="WeightsFile"/>).</summary>
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
            try
            {
                if (HasHfLayout(path)) HfFormat.LoadWeights(model, path);
                else model.load_safetensors(Path.Combine(path, WeightsFile), strict: true);
            }
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

    /// <summary>The SHA-256 of a file as lower-case hex, as <see cref="ChecksumFile"/> stores it.</summary>
    public static string Sha256(string path)
    {
        using var s = File.OpenRead(path);
        return Convert.ToHexString(SHA256.HashData(s)).ToLowerInvariant();
    }

    /// <summary>Resolves a model argument (a base or model name): "tiny"/"micro" make a fresh model (with <paramref name="scratchTokenizer"/>
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
