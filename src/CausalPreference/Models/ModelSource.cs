using System.Runtime.CompilerServices;

namespace CausalPreference.Models;

/// <summary>
/// The folder or file each loaded model came from (set by <see cref="Checkpoint.Load"/>), so that LoRA adapters trained on
/// it can name their base in adapter_config.json (base_model_name_or_path), as PEFT needs to load them.
/// </summary>
public static class ModelSource
{
    static readonly ConditionalWeakTable<CausalLM, string> Paths = new();

    /// <summary>Records that <paramref name="model"/> was loaded from <paramref name="path"/> (stored as a full path; the
    /// entry lives as long as the model).</summary>
    public static void Remember(CausalLM model, string path) => Paths.AddOrUpdate(model, Path.GetFullPath(path));

    /// <summary>How a model argument is named in written metadata (adapter_config.json, model cards): a local model's full
    /// path, else the name as given (a Hub name).</summary>
    public static string NameOf(string model) => Directory.Exists(model) || File.Exists(model) ? Path.GetFullPath(model) : model;

    /// <summary>The full path <paramref name="model"/> was loaded from, or null (built in, or made in code).</summary>
    public static string? Of(CausalLM model) => Paths.TryGetValue(model, out var p) ? p : null;
}
