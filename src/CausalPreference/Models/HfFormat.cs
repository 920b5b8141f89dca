using System.Text.Json;
using System.Text.Json.Nodes;
using CausalPreference.IO;
using CausalPreference.Text;
using TorchSharp;
using static TorchSharp.torch;

namespace CausalPreference.Models;

/// <summary>
/// Hugging Face <c>save_pretrained</c> folders: config.json (model_type gpt2, llama, mistral or qwen2), weights in
/// model.safetensors or shards listed by model.safetensors.index.json (F32/F16/BF16, converted to float32 unless asked
/// otherwise), and a tokenizer (tokenizer.json, or vocab.json + merges.txt; see <see cref="TokenizerJson"/>).
/// GPT-2's projections are HF Conv1D layers stored [in, out]: they are transposed into nn.Linear's [out, in] on load and
/// back on save. A tied LM head (tie_word_embeddings) is read from the embedding; lm_head.weight is then not needed.
/// <see cref="Save"/> writes a folder transformers loads unchanged (AutoModelForCausalLM.from_pretrained).
/// </summary>
public static class HfFormat
{
    /// <summary>transformers' model configuration (model_type, sizes, token ids).</summary>
    public const string ConfigFile = "config.json";
    /// <summary>The weights of an unsharded folder.</summary>
    public const string WeightsFile = "model.safetensors";
    /// <summary>The shard index of a sharded folder (weight_map: tensor name → shard file).</summary>
    public const string IndexFile = "model.safetensors.index.json";
    /// <summary>transformers' generation defaults (BOS and EOS ids here).</summary>
    public const string GenerationConfigFile = "generation_config.json";

    static readonly string[] Gpt2Conv1D = { ".attn.c_attn.weight", ".attn.c_proj.weight", ".mlp.c_fc.weight", ".mlp.c_proj.weight" };

    /// <summary>True when <paramref name="dir"/> looks like a Hugging Face model folder.</summary>
    public static bool IsHfFolder(string dir) => Directory.Exists(dir) && File.Exists(Path.Combine(dir, ConfigFile));

    /// <summary>The loader registered in <see cref="Checkpoint.ForeignLoaders"/>: an HF folder, or null.</summary>
    public static (CausalLM, ITokenizer)? TryLoad(string path) => IsHfFolder(path) ? Load(path) : null;

    /// <summary>Loads model and tokenizer from an HF folder. <paramref name="dtype"/> is the parameters' type (float32 by default).</summary>
    public static (CausalLM model, ITokenizer tok) Load(string dir, ScalarType dtype = ScalarType.Float32)
    {
        var tok = Tokenizers.Load(dir);
        var cfg = ReadConfig(Path.Combine(dir, ConfigFile)) with { Tokenizer = tok.Kind };
        if (tok.VocabSize > cfg.VocabSize)
            throw new InputException($"the tokenizer has {tok.VocabSize} tokens but the model only {cfg.VocabSize}: they do not belong together", dir);
        var model = CreateWithDefaultDtype(cfg, dtype);
        LoadWeights(model, dir);
        return (model, tok);
    }

    static CausalLM CreateWithDefaultDtype(ModelConfig cfg, ScalarType dtype)
    {
        if (dtype == ScalarType.Float32) return ModelFactory.Create(cfg);
        var previous = get_default_dtype();
        set_default_dtype(dtype);
        try { return ModelFactory.Create(cfg); }
        finally { set_default_dtype(previous); }
    }

    /// <summary>Reads config.json into a <see cref="ModelConfig"/> (family gpt2 or llama).</summary>
    public static ModelConfig ReadConfig(string file)
    {
        JsonObject j;
        try { j = JsonNode.Parse(File.ReadAllText(file))!.AsObject(); }
        catch (Exception e) when (e is JsonException or InvalidOperationException or NullReferenceException)
        { throw new InputException($"unreadable model configuration ({e.Message})", file); }
        string type = Str(j, "model_type") ?? throw new InputException("config.json has no model_type", file);
        try
        {
            return type switch
            {
                "gpt2" => ReadGpt2(j),
                "llama" or "mistral" or "qwen2" => ReadLlama(j, type, file),
                _ => throw new InputException($"model_type '{type}' is not supported; supported: gpt2, llama, mistral, qwen2", file),
            };
        }
        catch (Exception e) when (e is InvalidOperationException or FormatException or NullReferenceException)
        { throw new InputException($"config.json has a field of an unexpected type ({e.Message})", file); }
    }

    static string? Str(JsonObject j, string k) => j[k] is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;
    static int Int(JsonObject j, string k, int? fallback = null) =>
        j[k] is JsonValue v ? v.GetValue<int>() : fallback ?? throw new InputException($"config.json lacks '{k}'");
    static double Dbl(JsonObject j, string k, double fallback) => j[k] is JsonValue v ? v.GetValue<double>() : fallback;
    static bool Bool(JsonObject j, string k, bool fallback) => j[k] is JsonValue v ? v.GetValue<bool>() : fallback;

    static ModelConfig ReadGpt2(JsonObject j) => new()
    {
        Family = "gpt2",
        HfModelType = "gpt2",
        VocabSize = Int(j, "vocab_size"),
        ContextLength = Int(j, "n_positions", j["n_ctx"] is JsonValue ? Int(j, "n_ctx") : null),
        Layers = Int(j, "n_layer"),
        Heads = Int(j, "n_head"),
        Dim = Int(j, "n_embd"),
        Hidden = j["n_inner"] is JsonValue ? Int(j, "n_inner") : 0,
        Dropout = Dbl(j, "resid_pdrop", 0.1),
        NormEps = Dbl(j, "layer_norm_epsilon", 1e-5),
        TiedEmbeddings = Bool(j, "tie_word_embeddings", true),
        HiddenAct = Str(j, "activation_function") ?? "gelu_new",
    };

    static ModelConfig ReadLlama(JsonObject j, string type, string file)
    {
        var act = Str(j, "hidden_act") ?? "silu";
        Activations.Get(act); // fails early with the list of supported activations
        int context = Int(j, "max_position_embeddings");
        // Mistral slides on every layer; Qwen2 only with use_sliding_window, from layer max_window_layers on (transformers' layer_types)
        bool sliding = type == "mistral" || Bool(j, "use_sliding_window", false);
        int window = 0, fromLayer = 0;
        if (sliding && j["sliding_window"] is JsonValue sw && sw.GetValue<int>() is var w and > 0 && w < context)
        {
            window = w;
            if (type != "mistral") fromLayer = Int(j, "max_window_layers", 28);
            if (j["layer_types"] is JsonArray types)
            {
                var kinds = types.Select(x => x?.GetValue<string>()).ToList();
                int first = kinds.IndexOf("sliding_attention");
                if (first < 0) window = 0;
                else if (kinds.Skip(first).Any(k => k != "sliding_attention") || kinds.Take(first).Any(k => k != "full_attention"))
                    throw new InputException("layer_types mixes full and sliding attention in a pattern other than full layers then sliding ones; not supported", file);
                else fromLayer = first;
            }
            if (fromLayer >= Int(j, "num_hidden_layers")) window = fromLayer = 0; // no layer slides
        }
        RopeScaling? scaling = null;
        if (j["rope_scaling"] is JsonObject rs)
        {
            var kind = Str(rs, "rope_type") ?? Str(rs, "type") ?? "default";
            scaling = kind switch
            {
                "default" => null,
                "linear" => new RopeScaling { Type = "linear", Factor = Dbl(rs, "factor", 1.0) },
                "llama3" => new RopeScaling
                {
                    Type = "llama3", Factor = Dbl(rs, "factor", 8.0), LowFreqFactor = Dbl(rs, "low_freq_factor", 1.0),
                    HighFreqFactor = Dbl(rs, "high_freq_factor", 4.0), OriginalContext = Int(rs, "original_max_position_embeddings", 8192),
                },
                _ => throw new InputException($"rope scaling '{kind}' is not supported; supported: linear, llama3", file),
            };
        }
        bool attnBias = type == "qwen2" || Bool(j, "attention_bias", false);
        int heads = Int(j, "num_attention_heads"), dim = Int(j, "hidden_size");
        return new ModelConfig
        {
            Family = "llama",
            HfModelType = type,
            VocabSize = Int(j, "vocab_size"),
            ContextLength = context,
            SlidingWindow = window,
            SlidingWindowFromLayer = fromLayer,
            Layers = Int(j, "num_hidden_layers"),
            Heads = heads,
            KvHeads = Int(j, "num_key_value_heads", heads),
            HeadDim = j["head_dim"] is JsonValue hd && hd.GetValue<int>() != dim / heads ? hd.GetValue<int>() : 0,
            Dim = dim,
            Hidden = Int(j, "intermediate_size"),
            Dropout = Dbl(j, "attention_dropout", 0.0),
            NormEps = Dbl(j, "rms_norm_eps", 1e-6),
            RopeTheta = Dbl(j, "rope_theta", 10000.0),
            RopeScaling = scaling,
            AttentionBias = attnBias,
            OutputBias = type == "llama" && attnBias,
            MlpBias = Bool(j, "mlp_bias", false),
            TiedEmbeddings = Bool(j, "tie_word_embeddings", false),
            HiddenAct = act,
        };
    }

    /// <summary>Parameters HF does not store for a tied head, by family.</summary>
    static bool IsTiedAlias(CausalLM model, string name) => model.Config.TiedEmbeddings && name == "lm_head.weight";

    static bool IsConv1D(CausalLM model, string name) => model.Config.Family == "gpt2" && Gpt2Conv1D.Any(name.EndsWith);

    /// <summary>Tensors HF files may hold that are not weights (causal-mask buffers, rotary tables).</summary>
    static bool IsIgnorable(string name) =>
        name.EndsWith(".attn.bias") || name.EndsWith(".attn.masked_bias") || name.EndsWith("rotary_emb.inv_freq");

    /// <summary>Copies the weights of an HF folder (single file or shards) into <paramref name="model"/>.</summary>
    public static void LoadWeights(CausalLM model, string dir)
    {
        var files = WeightFiles(dir);
        var opened = files.Select(SafeTensorsFile.Open).ToList();
        try
        {
            // file tensor name -> (file); both "transformer.h.0..." and "h.0..." (a bare GPT2Model / LlamaModel) are accepted
            var where = new Dictionary<string, SafeTensorsFile>();
            foreach (var f in opened) foreach (var n in f.Entries.Keys) where[n] = f;
            string prefix = model.Config.Family == "gpt2" ? "transformer." : "model.";
            var used = new HashSet<string>();
            var missing = new List<string>();
            using var _ = no_grad();
            foreach (var (name, param) in model.state_dict())
            {
                if (IsTiedAlias(model, name)) continue;
                string? key = where.ContainsKey(name) ? name
                    : name.StartsWith(prefix) && where.ContainsKey(name[prefix.Length..]) ? name[prefix.Length..] : null;
                if (key is null) { missing.Add(name); continue; }
                used.Add(key);
                var file = where[key];
                using var t = file.ReadFloat32(key);
                using var src = IsConv1D(model, name) && t.dim() == 2 ? t.t() : t.alias();
                if (!src.shape.SequenceEqual(param.shape))
                    throw new InputException($"weight '{key}' has shape [{string.Join(",", file.Entries[key].Shape)}] but this configuration needs " +
                                             $"[{string.Join(",", param.shape)}]; config.json and the weights do not match", file.Path);
                param.copy_(src);
            }
            if (missing.Count > 0)
                throw new InputException($"the weights lack {missing.Count} tensor(s) the configuration needs, e.g. '{missing[0]}'; " +
                                         "the folder is incomplete or holds another architecture", dir);
            var unexpected = where.Keys.Where(k => !used.Contains(k) && !IsIgnorable(k) && !(k == "lm_head.weight" && model.Config.TiedEmbeddings)).ToList();
            if (unexpected.Count > 0)
                throw new InputException($"the weights hold {unexpected.Count} tensor(s) this architecture does not have, e.g. '{unexpected[0]}'; " +
                                         "the model is a variant this tool does not implement", dir);
        }
        finally { foreach (var f in opened) f.Dispose(); }
    }

    static List<string> WeightFiles(string dir)
    {
        var single = Path.Combine(dir, WeightsFile);
        if (File.Exists(single)) return new() { single };
        var index = Path.Combine(dir, IndexFile);
        if (File.Exists(index))
        {
            try
            {
                var map = JsonNode.Parse(File.ReadAllText(index))!["weight_map"]!.AsObject();
                var files = map.Select(kv => kv.Value!.GetValue<string>()).Distinct().Select(f => Path.Combine(dir, f)).ToList();
                foreach (var f in files)
                    if (!File.Exists(f)) throw new InputException($"shard '{Path.GetFileName(f)}' listed in {IndexFile} is missing; download it too", dir);
                return files;
            }
            catch (Exception e) when (e is JsonException or InvalidOperationException or NullReferenceException)
            { throw new InputException($"unreadable shard index ({e.Message})", index); }
        }
        if (File.Exists(Path.Combine(dir, "pytorch_model.bin")) || Directory.EnumerateFiles(dir, "pytorch_model-*.bin").Any())
            throw new InputException("the folder has only PyTorch pickle weights (pytorch_model.bin); convert them to safetensors first, " +
                                     "e.g. in Python: AutoModelForCausalLM.from_pretrained(dir).save_pretrained(dir, safe_serialization=True)", dir);
        throw new InputException($"no weights found: expected {WeightsFile} or {IndexFile}", dir);
    }

    /// <summary>
    /// Writes <paramref name="model"/> (adapters merged, if any) as a Hugging Face folder: config.json,
    /// model.safetensors with HF names and layouts, generation_config.json, and the tokenizer's files.
    /// </summary>
    public static void Save(CausalLM model, ITokenizer tok, string dir)
    {
        Directory.CreateDirectory(dir);
        WriteWeights(model, Path.Combine(dir, WeightsFile));
        WriteConfigFiles(model, tok, dir);
        tok.Save(dir);
    }

    /// <summary>Writes the weights (adapters merged, if any) as transformers stores them: HF names, GPT-2's Conv1D
    /// projections as [in, out], no lm_head.weight for a tied head.</summary>
    public static void WriteWeights(CausalLM model, string file)
    {
        var state = LoraAdapters.ExportStateDict(model);
        var tensors = new List<KeyValuePair<string, Tensor>>();
        var temporaries = new List<Tensor>();
        try
        {
            foreach (var (name, t) in state)
            {
                if (IsTiedAlias(model, name)) continue;
                if (IsConv1D(model, name)) { var tt = t.t().contiguous(); temporaries.Add(tt); tensors.Add(new(name, tt)); }
                else tensors.Add(new(name, t));
            }
            SafeTensorsFile.Write(file, tensors);
        }
        finally { foreach (var t in temporaries) t.Dispose(); }
    }

    /// <summary>Writes config.json (with model_type, architectures and torch_dtype) and generation_config.json.</summary>
    public static void WriteConfigFiles(CausalLM model, ITokenizer tok, string dir)
    {
        var dtype = model.parameters().First().dtype switch
        {
            ScalarType.BFloat16 => "bfloat16", ScalarType.Float16 => "float16", ScalarType.Float64 => "float64", _ => "float32",
        };
        var json = new JsonSerializerOptions { WriteIndented = true };
        AtomicFile.WriteAllText(Path.Combine(dir, ConfigFile), ConfigJson(model.Config, tok, dtype).ToJsonString(json));
        AtomicFile.WriteAllText(Path.Combine(dir, GenerationConfigFile),
            new JsonObject { ["bos_token_id"] = tok.BosId, ["eos_token_id"] = tok.EosId }.ToJsonString(json));
    }

    /// <summary>Null when <paramref name="config"/> has a Hugging Face equivalent (<see cref="ConfigJson"/> succeeds);
    /// otherwise why not.</summary>
    public static string? CannotExpress(ModelConfig config, ITokenizer tok)
    {
        try { ConfigJson(config, tok); return null; }
        catch (InputException e) { return e.Message; }
    }

    /// <summary>HF config.json for a configuration (model_type gpt2, llama, mistral or qwen2).</summary>
    public static JsonObject ConfigJson(ModelConfig c, ITokenizer tok, string dtype = "float32")
    {
        JsonObject j;
        if (c.Family == "gpt2")
        {
            j = new JsonObject
            {
                ["architectures"] = new JsonArray("GPT2LMHeadModel"),
                ["model_type"] = "gpt2",
                ["vocab_size"] = c.VocabSize,
                ["n_positions"] = c.ContextLength,
                ["n_ctx"] = c.ContextLength,
                ["n_embd"] = c.Dim,
                ["n_layer"] = c.Layers,
                ["n_head"] = c.Heads,
                ["n_inner"] = c.Hidden > 0 ? c.Hidden : null,
                ["activation_function"] = c.HiddenAct ?? "gelu_new",
                ["resid_pdrop"] = c.Dropout,
                ["embd_pdrop"] = c.Dropout,
                ["attn_pdrop"] = c.Dropout,
                ["layer_norm_epsilon"] = c.NormEps,
                ["initializer_range"] = 0.02,
                ["scale_attn_weights"] = true,
            };
        }
        else if (c.Family == "llama")
        {
            if (c.OutputBias && !c.AttentionBias)
                throw new InputException("a bias on the attention output without q/k/v biases has no Hugging Face equivalent; cannot export");
            if (c.OutputBias != c.AttentionBias && c.MlpBias)
                throw new InputException("Qwen2-style attention biases with MLP biases have no Hugging Face equivalent; cannot export");
            // Qwen2 = q/k/v biases only; Llama's attention_bias = q/k/v and output biases
            string type = c.AttentionBias && !c.OutputBias ? "qwen2" : c.HfModelType == "mistral" && !c.AttentionBias && !c.MlpBias ? "mistral" : "llama";
            j = new JsonObject
            {
                ["architectures"] = new JsonArray(type switch { "qwen2" => "Qwen2ForCausalLM", "mistral" => "MistralForCausalLM", _ => "LlamaForCausalLM" }),
                ["model_type"] = type,
                ["vocab_size"] = c.VocabSize,
                ["hidden_size"] = c.Dim,
                ["intermediate_size"] = c.FeedForward,
                ["num_hidden_layers"] = c.Layers,
                ["num_attention_heads"] = c.Heads,
                ["num_key_value_heads"] = c.KeyValueHeads,
                ["head_dim"] = c.HeadSize,
                ["max_position_embeddings"] = c.ContextLength,
                ["rms_norm_eps"] = c.NormEps,
                ["rope_theta"] = c.RopeTheta,
                ["rope_scaling"] = c.RopeScaling is not { } s ? null : s.Type == "linear"
                    ? new JsonObject { ["rope_type"] = "linear", ["factor"] = s.Factor }
                    : new JsonObject
                    {
                        ["rope_type"] = "llama3", ["factor"] = s.Factor, ["low_freq_factor"] = s.LowFreqFactor,
                        ["high_freq_factor"] = s.HighFreqFactor, ["original_max_position_embeddings"] = s.OriginalContext,
                    },
                ["hidden_act"] = c.HiddenAct ?? "silu",
                ["attention_dropout"] = c.Dropout,
                ["initializer_range"] = 0.02,
            };
            if (c.SlidingWindow > 0 && type == "llama")
                throw new InputException("a sliding attention window without the Mistral or Qwen2 layout (biases) has no Hugging Face equivalent; cannot export");
            if (c.SlidingWindow > 0 && type == "mistral" && c.SlidingWindowFromLayer > 0)
                throw new InputException("Mistral slides on every layer; a window from a later layer on has no Mistral equivalent; cannot export");
            if (type == "llama") { j["attention_bias"] = c.AttentionBias; j["mlp_bias"] = c.MlpBias; }
            else
            {
                j["sliding_window"] = c.SlidingWindow > 0 ? c.SlidingWindow : null;
                if (type == "qwen2") { j["use_sliding_window"] = c.SlidingWindow > 0; j["max_window_layers"] = c.SlidingWindow > 0 ? c.SlidingWindowFromLayer : c.Layers; }
            }
        }
        else throw new InputException($"model family '{c.Family}' has no Hugging Face export");
        j["tie_word_embeddings"] = c.TiedEmbeddings;
        j["bos_token_id"] = tok.BosId;
        j["eos_token_id"] = tok.EosId;
        j["torch_dtype"] = dtype;
        return j;
    }
}
