using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using CausalPreference.IO;
using CausalPreference.Text;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace CausalPreference.Models;

/// <summary>LoRA settings. Defaults are the paper's: r 8, α 8, dropout 0.1; target modules by family (see <see cref="LoraAdapters.DefaultTargets"/>).</summary>
public sealed record LoraOptions
{
    /// <summary>r, the rank of each adapter's update B·A (A is [r, in], B is [out, r]).</summary>
    public int Rank { get; init; } = 8;
    /// <summary>α: the update is scaled by α / r.</summary>
    public double Alpha { get; init; } = 8;
    /// <summary>Dropout on the adapter's input during training (0 ≤ p &lt; 1).</summary>
    public double Dropout { get; init; } = 0.1;
    /// <summary>Module names (a layer matches when its path equals a name or ends with "." + name); null = the family default.</summary>
    public IReadOnlyList<string>? TargetModules { get; init; }
    /// <summary>Instead of names, one regular expression that must match a layer's full path (PEFT's string form of target_modules).</summary>
    public string? TargetRegex { get; init; }

    /// <summary>A stable one-line description (used in run fingerprints).</summary>
    public override string ToString() =>
        $"lora r={Rank} alpha={Alpha:R} dropout={Dropout:R} targets={(TargetModules is null ? "default" : string.Join(",", TargetModules))} regex={TargetRegex}";
}

/// <summary>
/// Low-rank adapters (LoRA, Hu et al. 2021) on a model's <see cref="AdaptableLinear"/> layers, compatible with PEFT's files.
/// <list type="bullet">
/// <item><see cref="Attach"/> freezes every base weight and adds trainable A (random) and B (zero) to the target layers,
/// so the adapted model starts equal to the base model.</item>
/// <item><c>using (LoraAdapters.Disabled(model)) { ... }</c> computes the base model exactly (the reference model of
/// the causal objectives) without a second copy in memory.</item>
/// <item><see cref="Merge"/> folds B·A·α/r into the base weights; <see cref="ExportStateDict"/> gives the merged weights
/// without changing the model (what <see cref="Checkpoint.Save"/> writes).</item>
/// <item><see cref="Save"/>/<see cref="Load"/> use PEFT's adapter_model.safetensors + adapter_config.json.</item>
/// </list>
/// </summary>
public static class LoraAdapters
{
    /// <summary>PEFT's adapter weights file (lora_A / lora_B per adapted layer).</summary>
    public const string WeightsFile = "adapter_model.safetensors";
    /// <summary>PEFT's adapter configuration (r, lora_alpha, target_modules, base_model_name_or_path).</summary>
    public const string ConfigFile = "adapter_config.json";
    const string PeftPrefix = "base_model.model.";

    static readonly ConditionalWeakTable<CausalLM, LoraOptions> Attached = new();

    /// <summary>The paper's targets: q_proj and v_proj for Llama-family models, the fused c_attn for GPT-2.</summary>
    public static IReadOnlyList<string> DefaultTargets(ModelConfig config) =>
        config.Family == "gpt2" ? new[] { "c_attn" } : new[] { "q_proj", "v_proj" };

    /// <summary>All adaptable linear layers of the model with their module paths (e.g. model.layers.0.self_attn.q_proj).</summary>
    public static IReadOnlyList<(string path, AdaptableLinear layer)> Layers(CausalLM model) =>
        model.named_modules().Where(m => m.module is AdaptableLinear).Select(m => (m.name, (AdaptableLinear)m.module)).ToList();

    /// <summary>True when at least one layer of <paramref name="model"/> has a LoRA adapter attached.</summary>
    public static bool HasAdapters(CausalLM model) => Layers(model).Any(l => l.layer.HasAdapter);

    static bool Matches(string path, LoraOptions o, IReadOnlyList<string> names) =>
        o.TargetRegex is { } rx ? Regex.IsMatch(path, $"^(?:{rx})$") : names.Any(n => path == n || path.EndsWith("." + n));

    /// <summary>Freezes the model and attaches adapters to the target layers. Returns the number of adapted layers.</summary>
    public static int Attach(CausalLM model, LoraOptions? options = null)
    {
        var o = options ?? new LoraOptions();
        if (o.Rank <= 0) throw new InputException($"LoRA rank must be a positive integer, got {o.Rank}");
        if (o.Dropout is < 0 or >= 1) throw new InputException($"LoRA dropout must be in [0, 1), got {o.Dropout}");
        if (HasAdapters(model)) throw new InputException("the model already has LoRA adapters; merge or remove them before attaching new ones");
        var names = o.TargetModules ?? DefaultTargets(model.Config);
        var layers = Layers(model);
        var targets = layers.Where(l => Matches(l.path, o, names)).ToList();
        if (targets.Count == 0)
        {
            var available = layers.Select(l => l.path.Split('.').Last()).Distinct();
            throw new InputException($"no layer matches the LoRA target modules ({o.TargetRegex ?? string.Join(", ", names)}); " +
                                     $"this model's adaptable layers are named: {string.Join(", ", available)}");
        }
        foreach (var p in model.parameters()) p.requires_grad = false;
        foreach (var (_, layer) in targets) layer.AttachAdapter(o.Rank, o.Alpha, o.Dropout);
        Attached.AddOrUpdate(model, o with { TargetModules = o.TargetRegex is null ? names.ToArray() : null });
        return targets.Count;
    }

    /// <summary>The adapter parameters (what an optimizer should update after <see cref="Attach"/>).</summary>
    public static IReadOnlyList<Parameter> TrainableParameters(CausalLM model) =>
        model.parameters().Where(p => p.requires_grad).ToList();

    /// <summary>Turns every adapter off until disposed: the model then computes its base transformation exactly.</summary>
    public static IDisposable Disabled(CausalLM model) => new Switch(Layers(model).Where(l => l.layer.HasAdapter).Select(l => l.layer).ToList());

    sealed class Switch : IDisposable
    {
        readonly List<(AdaptableLinear layer, bool was)> _saved;
        public Switch(List<AdaptableLinear> layers)
        {
            _saved = layers.Select(l => (l, l.AdapterEnabled)).ToList();
            foreach (var l in layers) l.AdapterEnabled = false;
        }
        public void Dispose() { foreach (var (l, was) in _saved) l.AdapterEnabled = was; }
    }

    /// <summary>Folds every adapter into its base weight, removes the adapters and makes all weights trainable again.</summary>
    public static void Merge(CausalLM model)
    {
        foreach (var (_, layer) in Layers(model)) layer.MergeAdapter();
        foreach (var p in model.parameters()) p.requires_grad = true;
        Attached.Remove(model);
    }

    /// <summary>Drops every adapter without merging (back to the base model, all weights trainable).</summary>
    public static void Remove(CausalLM model)
    {
        foreach (var (_, layer) in Layers(model)) layer.RemoveAdapter();
        foreach (var p in model.parameters()) p.requires_grad = true;
        Attached.Remove(model);
    }

    /// <summary>
    /// The model's state dict under its base parameter names, with every adapter folded in (fresh tensors for the adapted
    /// weights; the model is not changed). Without adapters this is the state dict itself.
    /// </summary>
    public static Dictionary<string, Tensor> ExportStateDict(CausalLM model)
    {
        var adapted = Layers(model).Where(l => l.layer.HasAdapter).ToDictionary(l => l.path + ".weight", l => l.layer);
        var result = new Dictionary<string, Tensor>();
        foreach (var (name, t) in model.state_dict())
        {
            if (name.EndsWith(".lora_A") || name.EndsWith(".lora_B")) continue;
            if (adapted.TryGetValue(name, out var layer))
            {
                using var _ = no_grad();
                using var delta = layer.AdapterDelta();
                result[name] = t.detach() + delta;
            }
            else result[name] = t;
        }
        return result;
    }

    /// <summary>Writes adapter_model.safetensors and adapter_config.json in PEFT's format; the base is named by
    /// <paramref name="baseModel"/>, else by the folder the model was loaded from (<see cref="ModelSource"/>).</summary>
    public static void Save(CausalLM model, string dir, string? baseModel = null)
    {
        baseModel ??= ModelSource.Of(model);
        var layers = Layers(model).Where(l => l.layer.HasAdapter).ToList();
        if (layers.Count == 0) throw new InvalidOperationException("the model has no LoRA adapters to save");
        var o = Attached.TryGetValue(model, out var opts) ? opts : new LoraOptions();
        var first = layers[0].layer;
        var tensors = new List<KeyValuePair<string, Tensor>>();
        foreach (var (path, layer) in layers)
        {
            tensors.Add(new(PeftPrefix + path + ".lora_A.weight", layer.lora_A!));
            tensors.Add(new(PeftPrefix + path + ".lora_B.weight", layer.lora_B!));
        }
        Directory.CreateDirectory(dir);
        SafeTensorsFile.Write(Path.Combine(dir, WeightsFile), tensors);
        int rank = (int)first.lora_A!.shape[0];
        var cfg = new JsonObject
        {
            ["peft_type"] = "LORA",
            ["task_type"] = "CAUSAL_LM",
            ["base_model_name_or_path"] = baseModel,
            ["r"] = rank,
            ["lora_alpha"] = first.Scaling * rank,
            ["lora_dropout"] = first.AdapterDropout,
            ["target_modules"] = o.TargetRegex is { } rx ? JsonValue.Create(rx)
                : new JsonArray((o.TargetModules ?? DefaultTargets(model.Config)).Select(n => (JsonNode)JsonValue.Create(n)!).ToArray()),
            ["bias"] = "none",
            ["fan_in_fan_out"] = model.Config.Family == "gpt2", // GPT-2's HF projections are Conv1D ([in, out])
            ["inference_mode"] = true,
            ["init_lora_weights"] = true,
            ["modules_to_save"] = null,
            ["use_rslora"] = false,
            ["use_dora"] = false,
        };
        AtomicFile.WriteAllText(Path.Combine(dir, ConfigFile), cfg.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
    }

    /// <summary>Reads a PEFT LoRA adapter folder's settings.</summary>
    public static LoraOptions ReadOptions(string dir)
    {
        var file = Path.Combine(dir, ConfigFile);
        if (!File.Exists(file)) throw new InputException($"no {ConfigFile} here: not a LoRA adapter folder", dir);
        try
        {
            var j = JsonNode.Parse(File.ReadAllText(file))!.AsObject();
            if (j["peft_type"]?.GetValue<string>() is { } t && t != "LORA")
                throw new InputException($"adapter type '{t}' is not supported; only LoRA adapters are", file);
            if (j["use_dora"]?.GetValue<bool>() == true) throw new InputException("DoRA adapters are not supported; only plain LoRA", file);
            if (j["use_rslora"]?.GetValue<bool>() == true) throw new InputException("rsLoRA scaling is not supported; only plain LoRA (α/r)", file);
            if (j["rank_pattern"] is JsonObject rp && rp.Count > 0 || j["alpha_pattern"] is JsonObject ap && ap.Count > 0)
                throw new InputException("per-layer rank/alpha patterns are not supported", file);
            var targets = j["target_modules"];
            return new LoraOptions
            {
                Rank = j["r"]!.GetValue<int>(),
                Alpha = j["lora_alpha"]!.GetValue<double>(),
                Dropout = j["lora_dropout"]?.GetValue<double>() ?? 0.0,
                TargetModules = targets is JsonArray arr ? arr.Select(x => x!.GetValue<string>()).ToArray() : null,
                TargetRegex = targets is JsonValue v ? v.GetValue<string>() : null,
            };
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or NullReferenceException or FormatException)
        { throw new InputException($"unreadable adapter configuration ({e.Message})", file); }
    }

    /// <summary>The base model a PEFT adapter folder names (base_model_name_or_path), or null.</summary>
    public static string? BaseModelOf(string dir)
    {
        try { return JsonNode.Parse(File.ReadAllText(Path.Combine(dir, ConfigFile)))?["base_model_name_or_path"]?.GetValue<string>(); }
        catch (Exception e) when (e is JsonException or InvalidOperationException or IOException) { return null; }
    }

    /// <summary>
    /// The loader registered in <see cref="Checkpoint.ForeignLoaders"/>: a PEFT adapter folder (adapter_config.json without
    /// a model of its own) whose base_model_name_or_path is a local model; loads the base and attaches the adapters.
    /// </summary>
    public static (CausalLM, ITokenizer)? TryLoadAdapterFolder(string path)
    {
        if (!Directory.Exists(path) || !File.Exists(Path.Combine(path, ConfigFile))
            || File.Exists(Path.Combine(path, HfFormat.ConfigFile)) || Checkpoint.IsCheckpoint(path)) return null;
        var name = BaseModelOf(path);
        if (string.IsNullOrEmpty(name))
            throw new InputException("this LoRA adapter folder does not name its base model (base_model_name_or_path); set it to the base model's folder", path);
        var candidates = new[] { Path.Combine(path, name), name };
        var basePath = candidates.FirstOrDefault(c => Directory.Exists(c) || File.Exists(c))
            ?? throw new InputException($"the adapter's base model '{name}' is not a local folder; download it and set base_model_name_or_path " +
                                        "in adapter_config.json to its path", path);
        var (model, tok) = Checkpoint.Load(Path.GetFullPath(basePath));
        Load(model, path);
        return (model, tok);
    }

    /// <summary>Attaches the adapters saved in <paramref name="dir"/> (PEFT format) to a base model and loads their weights.</summary>
    public static void Load(CausalLM model, string dir)
    {
        var o = ReadOptions(dir);
        Attach(model, o);
        var file = Path.Combine(dir, WeightsFile);
        if (!File.Exists(file)) throw new InputException($"{WeightsFile} is missing from the adapter folder", dir);
        using var st = SafeTensorsFile.Open(file);
        var layers = Layers(model).Where(l => l.layer.HasAdapter).ToDictionary(l => l.path, l => l.layer);
        var seen = new HashSet<string>();
        using var _ = no_grad();
        foreach (var name in st.Entries.Keys)
        {
            var m = Regex.Match(name, @"^(?:base_model\.model\.)?(.+)\.(lora_A|lora_B)(?:\.default)?\.weight$");
            if (!m.Success) throw new InputException($"unexpected tensor '{name}' in the adapter file (only LoRA A/B weights are supported)", file);
            if (!layers.TryGetValue(m.Groups[1].Value, out var layer))
                throw new InputException($"the adapter has weights for '{m.Groups[1].Value}', which is not an adapted layer of this model; " +
                                         "the adapter belongs to another base model", file);
            var target = m.Groups[2].Value == "lora_A" ? layer.lora_A! : layer.lora_B!;
            using var t = st.ReadFloat32(name);
            if (!t.shape.SequenceEqual(target.shape))
                throw new InputException($"adapter tensor '{name}' has shape [{string.Join(",", t.shape)}], expected [{string.Join(",", target.shape)}]", file);
            target.copy_(t);
            seen.Add(m.Groups[1].Value + "." + m.Groups[2].Value);
        }
        var missing = layers.Keys.Where(p => !seen.Contains(p + ".lora_A") || !seen.Contains(p + ".lora_B")).ToList();
        if (missing.Count > 0)
            throw new InputException($"the adapter file lacks weights for {missing.Count} target layer(s), e.g. '{missing[0]}'", file);
    }
}
