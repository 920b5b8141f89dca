using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;

namespace CausalPreference.Models;

/// <summary>
/// The README.md of an exported Hugging Face folder: YAML front matter as the Hub reads it (library, tags, base model),
/// then what the model is and how it was trained, from the run's own metadata in the source folder — run.json (a causal
/// run: objective, outcome model, validation value, certified improvement, alarms) and training.json (steps, best epoch,
/// validation loss, optimizer settings) — and how to load it.
/// </summary>
public static class ModelCard
{
    /// <summary>The card's file name, as the Hugging Face Hub reads it.</summary>
    public const string FileName = "README.md";

    static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    /// <summary>Writes the card into a folder written by <c>sft</c> or <c>train</c> (after its run.json / training.json).</summary>
    /// <param name="runDir">The run's output folder.</param>
    /// <param name="config">The model's architecture.</param>
    /// <param name="tok">The model's tokenizer (the card says how its files relate to the tool's tokenizer).</param>
    /// <param name="baseModel">The model the run started from, or null when it was built from scratch.</param>
    /// <param name="data">The training data as the run read it (file and columns), or null.</param>
    public static void WriteInto(string runDir, ModelConfig config, Text.ITokenizer tok, string? baseModel, string? data = null)
    {
        bool hf = Checkpoint.HasHfLayout(runDir);
        string note = !hf
            ? $"This architecture has no Hugging Face form ({HfFormat.CannotExpress(config, tok)}); the weights are in causalpo's layout and only causalpo loads them."
            : TokenizerNote(tok) ?? $"The tokenizer ({tok.Kind}) has no exact tokenizer.json form, so no tokenizer files were written: {Text.HfTokenizerFiles.CannotExpress(tok)}.";
        if (File.Exists(Path.Combine(runDir, LoraAdapters.ConfigFile)))
            note += $"\nThe run trained LoRA adapters: model.safetensors holds the merged model; {LoraAdapters.WeightsFile} and {LoraAdapters.ConfigFile} " +
                    "hold the adapter alone in PEFT's format (`PeftModel.from_pretrained(base, THIS_FOLDER)`), naming its base.";
        IO.AtomicFile.WriteAllText(Path.Combine(runDir, FileName), Build(runDir, config, baseModel, adapter: false, note, data));
    }

    /// <summary>One sentence on the tokenizer files written beside the weights, or null when none can be written.</summary>
    public static string? TokenizerNote(Text.ITokenizer tok) => tok.Kind switch
    {
        "byte" => "The tokenizer is the tool's byte tokenizer written as a byte-level BPE without merges (token id = UTF-8 byte; 256–258 are BOS, EOS, PAD as `<|bos|>`, `<|eos|>`, `<|pad|>`).",
        "hf" => "The tokenizer files are those of the model's Hugging Face tokenizer, unchanged.",
        _ => null,
    };

    /// <param name="sourceDir">The folder that was exported (its run.json / training.json are read when present).</param>
    /// <param name="config">The model's architecture.</param>
    /// <param name="baseModel">The base model the run started from, if known.</param>
    /// <param name="adapter">True for a PEFT adapter folder, false for a full model.</param>
    /// <param name="tokenizerNote">One sentence on the tokenizer files.</param>
    /// <param name="data">The training data (file and columns), when known.</param>
    public static string Build(string sourceDir, ModelConfig config, string? baseModel, bool adapter, string tokenizerNote, string? data = null)
    {
        var run = ReadJson(Path.Combine(sourceDir, "run.json"));
        var training = ReadJson(Path.Combine(sourceDir, "training.json"));
        string? objective = Str(run, "Objective");
        var sb = new StringBuilder();
        sb.AppendLine("---");
        sb.AppendLine(adapter ? "library_name: peft" : "library_name: transformers");
        sb.AppendLine("pipeline_tag: text-generation");
        sb.AppendLine("tags:");
        sb.AppendLine("- causalpo");
        sb.AppendLine(objective is null ? "- sft" : "- " + objective);
        if (adapter) sb.AppendLine("- lora");
        if (baseModel is not null && !Path.IsPathRooted(baseModel)) sb.AppendLine($"base_model: {baseModel}"); // a Hub name, not a local path
        sb.AppendLine("---");
        sb.AppendLine();
        sb.AppendLine($"# {Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(sourceDir)))}");
        sb.AppendLine();
        string arch = config.Family == "gpt2" ? "GPT-2" : config.HfModelType ?? config.Family;
        sb.AppendLine(Invariant($"A {arch} causal language model ({config.Layers} layers, width {config.Dim}, vocabulary {config.VocabSize}, context {config.ContextLength}) ") +
                      (objective is null
                          ? "fine-tuned on texts (FT) by `causalpo sft`."
                          : $"trained by `causalpo train` with the **{objective}** objective from direct outcome data (texts with a measured outcome), " +
                            "as in *Optimizing Language Models for Human Preferences is a Causal Inference Problem* (Lin, Ben-Michael, Morency; UAI 2024)."));
        if (adapter) sb.AppendLine("\nThis folder holds the LoRA adapter only (PEFT format); `base_model_name_or_path` in adapter_config.json names the base it applies to.");
        sb.AppendLine();
        sb.AppendLine("## Training");
        sb.AppendLine();
        if (baseModel is not null) sb.AppendLine($"- Base model: `{baseModel}`");
        Line(sb, "Data", data);
        if (run is not null)
        {
            Line(sb, "Starting model", Str(run, "Model"));
            Line(sb, "Rows", run["TrainRows"] is null ? null : $"{Num(run, "TrainRows")} for training, {Num(run, "ValidationRows")} held out");
            Line(sb, "Reference probabilities P̂^R", Str(run, "ReferenceSource"));
            Line(sb, "Outcome model ĝ", Str(run, "OutcomeModel"));
            Line(sb, "Weight normalization", Str(run, "Normalization"));
            Line(sb, "Overlap-aware training", run["OverlapAware"] is JsonValue oa ? (oa.GetValue<bool>() ? "yes" : "no") : null);
            Line(sb, "Steps", Num(run, "Steps"));
            Line(sb, "Kept checkpoint", run["BestStep"] is null ? null : $"step {Num(run, "BestStep")} (epoch {Num(run, "BestEpoch")})");
            Line(sb, "Validation value of the kept checkpoint", Num(run, "BestValidationValue"));
            Line(sb, "Validation effective sample size", run["ValidationEssFraction"] is JsonValue e && e.TryGetValue<double>(out var ef) ? ef.ToString("0.0%", Inv) : null);
        }
        else if (training is not null)
        {
            Line(sb, "Steps", Num(training, "steps"));
            Line(sb, "Best epoch", Num(training, "best_epoch"));
            Line(sb, "Best validation loss (nats/token)", Num(training, "best_validation_loss"));
        }
        if (training?["options"] is JsonObject opts)
        {
            var keys = new[] { "Epochs", "BatchSize", "LearningRate", "WarmupSteps", "WeightDecay", "Seed" };
            var parts = keys.Where(k => opts[k] is JsonValue).Select(k => $"{k} {Num(opts, k)}").ToList();
            if (parts.Count > 0) sb.AppendLine($"- Optimizer settings: {string.Join(", ", parts)}");
        }
        if (run is null && training is null) sb.AppendLine("- No run metadata (run.json, training.json) was found beside the exported weights.");
        if (run is not null)
        {
            sb.AppendLine();
            sb.AppendLine("## Certified improvement");
            sb.AppendLine();
            var certified = Str(run, "Certified");
            sb.AppendLine(string.IsNullOrWhiteSpace(certified)
                ? "The run certified no improvement (no certificate was computed)."
                : certified);
            if (run["Certificate"] is JsonObject c)
                sb.AppendLine(Invariant($"\n| improvement over the start | std. error | 95% CI | rows |\n|---|---|---|---|\n| {Num(c, "Improvement")} | {Num(c, "StdError")} | [{Num(c, "Lower")}, {Num(c, "Upper")}] | {Num(c, "Rows")} |"));
            if (run["Alarms"] is JsonArray alarms && alarms.Count > 0)
            {
                sb.AppendLine("\nAlarms raised during training:");
                foreach (var a in alarms) sb.AppendLine($"- {a}");
            }
        }
        sb.AppendLine();
        sb.AppendLine("## Use");
        sb.AppendLine();
        sb.AppendLine("```python");
        if (adapter)
        {
            sb.AppendLine("from peft import AutoPeftModelForCausalLM");
            sb.AppendLine("model = AutoPeftModelForCausalLM.from_pretrained(\"THIS_FOLDER\")");
        }
        else
        {
            sb.AppendLine("from transformers import AutoModelForCausalLM, AutoTokenizer");
            sb.AppendLine("model = AutoModelForCausalLM.from_pretrained(\"THIS_FOLDER\")");
            sb.AppendLine("tokenizer = AutoTokenizer.from_pretrained(\"THIS_FOLDER\")");
        }
        sb.AppendLine("```");
        sb.AppendLine();
        sb.AppendLine("`causalpo score` rates a text as log P(BOS, text tokens, EOS): the BOS token is fed first and EOS is scored last, " +
                      "so to reproduce its numbers in transformers, prepend BOS and append EOS to the tokenizer's ids.");
        sb.AppendLine(tokenizerNote);
        return sb.ToString();
    }

    static void Line(StringBuilder sb, string name, string? value) { if (!string.IsNullOrWhiteSpace(value)) sb.AppendLine($"- {name}: {value}"); }

    static string Invariant(FormattableString s) => s.ToString(Inv);

    static JsonObject? ReadJson(string file)
    {
        if (!File.Exists(file)) return null;
        try { return JsonNode.Parse(File.ReadAllText(file)) as JsonObject; }
        catch (Exception e) when (e is System.Text.Json.JsonException or IOException) { return null; } // a card without it, not a failed export
    }

    static string? Str(JsonObject? j, string k) => j?[k] is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;

    static string? Num(JsonObject? j, string k) => j?[k] switch
    {
        JsonValue v when v.TryGetValue<double>(out var d) => d == Math.Round(d) && Math.Abs(d) < 1e12 ? d.ToString("0", Inv) : d.ToString("G4", Inv),
        JsonValue v when v.TryGetValue<string>(out var s) => s,
        _ => null,
    };
}
