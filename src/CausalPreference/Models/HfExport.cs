using System.Text.Json;
using System.Text.Json.Nodes;
using CausalPreference.IO;
using CausalPreference.Text;

namespace CausalPreference.Models;

/// <summary>What <see cref="HfExport.Export"/> writes.</summary>
public sealed record HfExportOptions
{
    /// <summary>Replace an existing output folder.</summary>
    public bool Force { get; init; }
    /// <summary>Write the LoRA adapter alone (PEFT format) instead of the full, merged model.</summary>
    public bool Adapter { get; init; }
    /// <summary>The base model an adapter names (base_model_name_or_path): a Hugging Face folder or a Hub name; default: the one the run recorded.</summary>
    public string? BaseModel { get; init; }
    /// <summary>A Hugging Face folder whose tokenizer files to ship instead of the model's own (for tokenizers with no exact tokenizer.json form).</summary>
    public string? TokenizerFrom { get; init; }
}

/// <summary>What was written, for the command's report.</summary>
public sealed record HfExportResult(string OutDir, bool Adapter, bool MergedLora, string? BaseModel, IReadOnlyList<string> Notes);

/// <summary>
/// Writes a Hugging Face folder from any model folder the tool reads (a checkpoint from <c>sft</c> or <c>train</c>, a
/// Hugging Face folder, a llama2.c file): config.json with model_type, model.safetensors in transformers' names and
/// layouts (GPT-2's Conv1D weights [in, out]; see <see cref="HfFormat.Save"/>), generation_config.json, the tokenizer
/// files (<see cref="HfTokenizerFiles"/>) and a model card (<see cref="ModelCard"/>). A LoRA run exports as the full
/// model with its adapters merged, or with <see cref="HfExportOptions.Adapter"/> as a PEFT adapter folder naming its base.
/// The folder is written under a temporary name beside the destination and renamed into place, so it appears complete or
/// not at all.
/// </summary>
public static class HfExport
{
    /// <summary>Exports the model in <paramref name="modelDir"/> as a Hugging Face folder at <paramref name="outDir"/>.</summary>
    /// <exception cref="InputException">The model is missing or unreadable, the destination is not usable, or the model's
    /// tokenizer has no exact Hugging Face form; the message says what to do.</exception>
    public static HfExportResult Export(string modelDir, string outDir, HfExportOptions o)
    {
        var src = Path.GetFullPath(modelDir);
        var dest = Path.GetFullPath(outDir);
        if (!Directory.Exists(src) && !File.Exists(src))
            throw new InputException("model not found; give a folder written by `causalpo sft` or `causalpo train`, or a Hugging Face folder", src);
        if (string.Equals(Path.TrimEndingDirectorySeparator(src), Path.TrimEndingDirectorySeparator(dest), StringComparison.Ordinal))
            throw new InputException("`out` is the model folder itself; export into a new folder", dest);
        if (File.Exists(dest)) throw new InputException("`out` is a file; give a folder name", dest);
        if (Directory.Exists(dest) && Directory.EnumerateFileSystemEntries(dest).Any() && !o.Force)
            throw new InputException("the output folder exists and is not empty; choose a new folder or pass `force` to replace it", dest);

        bool loraRun = Directory.Exists(src) && File.Exists(Path.Combine(src, LoraAdapters.ConfigFile)) && File.Exists(Path.Combine(src, LoraAdapters.WeightsFile))
                       && Checkpoint.IsCheckpoint(src);
        if (o.Adapter && !loraRun)
            throw new InputException($"`adapter` needs a LoRA run folder (sft or train with `lora` write {LoraAdapters.ConfigFile} and " +
                                     $"{LoraAdapters.WeightsFile} beside the merged model); this folder has no adapter — drop `adapter` to export the full model", src);

        using var loaded = LoadedModel.Open(src); // disposed when done (a large model frees its weights)
        var (model, tok) = loaded;
        var notes = new List<string>();
        if (o.TokenizerFrom is { } tf)
        {
            var other = Tokenizers.Load(Path.GetFullPath(tf));
            if (other.Kind != "hf") throw new InputException("`tokenizer_from` must be a Hugging Face folder (tokenizer.json, or vocab.json + merges.txt)", tf);
            if (other.VocabSize > model.Config.VocabSize)
                throw new InputException($"that tokenizer has {other.VocabSize} tokens but the model only {model.Config.VocabSize}: they do not belong together", tf);
            notes.Add($"tokenizer files taken from {Path.GetFullPath(tf)}: that they encode as the model's own tokenizer ({tok.Kind}) is your claim, not checked");
            tok = other;
        }
        if (HfTokenizerFiles.CannotExpress(tok) is { } why)
            throw new InputException("cannot export this model's tokenizer: " + why, src);
        string tokenizerNote = ModelCard.TokenizerNote(tok)!;

        string? baseModel = o.BaseModel ?? (loraRun ? RecordedBase(src) : null);
        if (o.Adapter)
        {
            if (baseModel is null)
                throw new InputException("the run does not record its base model; pass `base_model` with the base's Hugging Face folder or Hub name", src);
            if (Directory.Exists(baseModel) && !HfFormat.IsHfFolder(baseModel))
                notes.Add($"the base {baseModel} is not a Hugging Face folder, so PEFT cannot load it: export it too " +
                          $"(causalpo export `model` {baseModel} `out` BASE_HF) and pass `base_model` BASE_HF");
        }

        var parent = Path.GetDirectoryName(dest)!;
        try { Directory.CreateDirectory(parent); }
        catch (Exception e) when (e is UnauthorizedAccessException or IOException)
        { throw new InputException($"cannot create the output folder ({e.Message}); choose a writable location", parent); }
        var staging = Path.Combine(parent, $".{Path.GetFileName(dest)}.export-{Guid.NewGuid():N}.tmp");
        try
        {
            Directory.CreateDirectory(staging);
            if (o.Adapter)
            {
                File.Copy(Path.Combine(src, LoraAdapters.WeightsFile), Path.Combine(staging, LoraAdapters.WeightsFile));
                JsonObject cfg;
                try { cfg = JsonNode.Parse(File.ReadAllText(Path.Combine(src, LoraAdapters.ConfigFile)))!.AsObject(); }
                catch (Exception e) when (e is JsonException or InvalidOperationException or NullReferenceException)
                { throw new InputException($"unreadable adapter configuration ({e.Message})", Path.Combine(src, LoraAdapters.ConfigFile)); }
                cfg["base_model_name_or_path"] = baseModel;
                AtomicFile.WriteAllText(Path.Combine(staging, LoraAdapters.ConfigFile), cfg.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
                HfTokenizerFiles.Write(tok, staging, model.Config.ContextLength);
            }
            else
            {
                HfFormat.Save(model, tok, staging); // adapters are already merged in a run folder's weights
                HfTokenizerFiles.Write(tok, staging, model.Config.ContextLength);
            }
            AtomicFile.WriteAllText(Path.Combine(staging, ModelCard.FileName),
                ModelCard.Build(Directory.Exists(src) ? src : Path.GetDirectoryName(src)!, model.Config, baseModel, o.Adapter, tokenizerNote));
            MoveIntoPlace(staging, dest);
        }
        catch (UnauthorizedAccessException e) { throw new InputException($"cannot write the export ({e.Message}); choose a writable location", dest); }
        finally { if (Directory.Exists(staging)) Directory.Delete(staging, recursive: true); }
        return new HfExportResult(dest, o.Adapter, loraRun && !o.Adapter, baseModel, notes);
    }

    /// <summary>The base a LoRA run names: its adapter_config.json, else run.json's starting model.</summary>
    static string? RecordedBase(string runDir)
    {
        if (LoraAdapters.BaseModelOf(runDir) is { Length: > 0 } b) return b;
        try
        {
            var run = Path.Combine(runDir, "run.json");
            if (File.Exists(run) && JsonNode.Parse(File.ReadAllText(run))?["Model"]?.GetValue<string>() is { Length: > 0 } m)
                return Path.IsPathRooted(m) || !Directory.Exists(m) ? m : Path.GetFullPath(m);
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or IOException) { }
        return null;
    }

    /// <summary>Renames the finished folder into place; an existing destination is moved aside first and removed after.</summary>
    static void MoveIntoPlace(string staging, string dest)
    {
        if (!Directory.Exists(dest)) { Directory.Move(staging, dest); return; }
        var old = Path.Combine(Path.GetDirectoryName(dest)!, $".{Path.GetFileName(dest)}.old-{Guid.NewGuid():N}");
        Directory.Move(dest, old);
        try { Directory.Move(staging, dest); }
        catch { Directory.Move(old, dest); throw; }
        Directory.Delete(old, recursive: true);
    }
}
