using System.Text.Json;
using System.Text.Json.Serialization;
using CausalPreference.IO;

namespace CausalPreference.Models;

/// <summary>
/// Architecture of a decoder-only language model. Saved as <c>causalpo_config.json</c> in a checkpoint folder.
/// </summary>
public sealed record ModelConfig
{
    /// <summary>"gpt2" (learned positions, LayerNorm, GELU) or other families registered in <see cref="ModelFactory"/>.</summary>
    public string Family { get; init; } = "gpt2";
    /// <summary>Number of token ids (rows of the embedding, columns of the logits), special tokens included: 259 for the byte tokenizer.</summary>
    public int VocabSize { get; init; }
    /// <summary>The most positions one sequence may have (prompt and generated tokens together); longer inputs are refused or truncated.</summary>
    public int ContextLength { get; init; }
    /// <summary>Number of transformer blocks.</summary>
    public int Layers { get; init; }
    /// <summary>Number of attention (query) heads.</summary>
    public int Heads { get; init; }
    /// <summary>Model width: the embedding and residual-stream size.</summary>
    public int Dim { get; init; }
    /// <summary>Feed-forward width; 0 means 4 × Dim.</summary>
    public int Hidden { get; init; }
    /// <summary>Dropout probability in [0, 1), active in training mode only (GPT-2: embeddings, attention and residual
    /// branches; Llama: attention weights); 0 for none.</summary>
    public double Dropout { get; init; }
    /// <summary>ε added to the variance in LayerNorm (GPT-2) or RMSNorm (Llama).</summary>
    public double NormEps { get; init; } = 1e-5;
    /// <summary>Whether the LM head shares its weight with the token embedding (lm_head.weight is the embedding matrix).</summary>
    public bool TiedEmbeddings { get; init; } = true;
    /// <summary>Tokenizer kind written beside the weights.</summary>
    public string Tokenizer { get; init; } = "byte";

    // ---- fields used by the "llama" family (Llama, Mistral, Qwen2); older configurations without them keep their defaults ----

    /// <summary>Key/value heads for grouped-query attention; 0 means the same as <see cref="Heads"/> (multi-head attention).</summary>
    public int KvHeads { get; init; }
    /// <summary>Width of one attention head; 0 means Dim / Heads.</summary>
    public int HeadDim { get; init; }
    /// <summary>Base of the rotary position embedding's frequencies.</summary>
    public double RopeTheta { get; init; } = 10000.0;
    /// <summary>Optional rotary frequency scaling (Llama 3.1 "llama3", or "linear"); null = none.</summary>
    public RopeScaling? RopeScaling { get; init; }
    /// <summary>Bias on the q, k and v projections (Qwen2 has it; Llama and Mistral do not).</summary>
    public bool AttentionBias { get; init; }
    /// <summary>Bias on the attention output projection (Llama's attention_bias = true sets both).</summary>
    public bool OutputBias { get; init; }
    /// <summary>Bias on the MLP projections (Llama's mlp_bias).</summary>
    public bool MlpBias { get; init; }
    /// <summary>MLP activation ("silu", "gelu_new", "gelu", "relu"); null means the family's own (GPT-2: gelu_new, Llama: silu).</summary>
    public string? HiddenAct { get; init; }
    /// <summary>Sliding-window attention (Mistral; Qwen2 with use_sliding_window): the query at position i attends to keys j with
    /// i − window &lt; j ≤ i, as transformers' sliding_window_overlay; 0 means full causal attention.</summary>
    public int SlidingWindow { get; init; }
    /// <summary>The first layer that uses <see cref="SlidingWindow"/> (Qwen2's max_window_layers); earlier layers attend fully. 0: every layer.</summary>
    public int SlidingWindowFromLayer { get; init; }
    /// <summary>The Hugging Face model_type this configuration came from ("llama", "mistral", "qwen2", "gpt2"), kept for exports.</summary>
    public string? HfModelType { get; init; }

    /// <summary>Effective feed-forward width: <see cref="Hidden"/>, or 4 × <see cref="Dim"/> when that is 0 (not serialized).</summary>
    [JsonIgnore] public int FeedForward => Hidden > 0 ? Hidden : 4 * Dim;
    /// <summary>Effective number of key/value heads: <see cref="KvHeads"/>, or <see cref="Heads"/> when that is 0 (not serialized).</summary>
    [JsonIgnore] public int KeyValueHeads => KvHeads > 0 ? KvHeads : Heads;
    /// <summary>Effective width of one attention head: <see cref="HeadDim"/>, or <see cref="Dim"/> / <see cref="Heads"/> when that is 0 (not serialized).</summary>
    [JsonIgnore] public int HeadSize => HeadDim > 0 ? HeadDim : Dim / Heads;

    /// <summary>The built-in model: byte-level, 4 layers, 128 wide, ~0.8M parameters; trains from scratch on a laptop CPU in minutes.</summary>
    public static ModelConfig Tiny => new()
    {
        Family = "gpt2", VocabSize = 259, ContextLength = 128, Layers = 4, Heads = 4, Dim = 128, Dropout = 0.0, Tokenizer = "byte",
    };

    /// <summary>An even smaller model for unit tests.</summary>
    public static ModelConfig Micro => Tiny with { Layers = 2, Dim = 32, Heads = 2, ContextLength = 64 };

    /// <summary>Throws <see cref="InputException"/> (naming <paramref name="source"/>, the file or description the
    /// configuration came from) unless every size is positive, the context holds at least 2 positions, <see cref="Dim"/> is a
    /// multiple of <see cref="Heads"/> (when <see cref="HeadDim"/> is not given), <see cref="Heads"/> is a multiple of
    /// <see cref="KeyValueHeads"/>, and a llama head size is even (rotary embeddings rotate pairs).</summary>
    public void Validate(string source)
    {
        if (VocabSize <= 0 || ContextLength <= 1 || Layers <= 0 || Heads <= 0 || Dim <= 0 || (HeadDim <= 0 && Dim % Heads != 0))
            throw new InputException($"invalid model configuration (vocab {VocabSize}, context {ContextLength}, layers {Layers}, heads {Heads}, dim {Dim}); dim must be a multiple of heads", source);
        if (KvHeads < 0 || Heads % KeyValueHeads != 0)
            throw new InputException($"invalid model configuration: {Heads} attention heads cannot share {KeyValueHeads} key/value heads (heads must be a multiple of kv_heads)", source);
        if (HeadSize % 2 != 0 && Family == "llama")
            throw new InputException($"invalid model configuration: rotary embeddings need an even head size, got {HeadSize}", source);
    }

    static readonly JsonSerializerOptions Json = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };
    /// <summary>The configuration as indented JSON with snake_case names, as written to <c>causalpo_config.json</c>.</summary>
    public string ToJson() => JsonSerializer.Serialize(this, Json);
    /// <summary>Reads what <see cref="ToJson"/> writes; fields an older file lacks keep their defaults. Throws
    /// <see cref="InputException"/> naming <paramref name="source"/> when the JSON is malformed or empty. The result is not
    /// checked; call <see cref="Validate"/>.</summary>
    public static ModelConfig FromJson(string json, string source)
    {
        try { return JsonSerializer.Deserialize<ModelConfig>(json, Json) ?? throw new JsonException("empty"); }
        catch (JsonException e) { throw new InputException($"corrupt model configuration ({e.Message}); re-save the model", source); }
    }
}

/// <summary>Rotary frequency scaling as in Hugging Face's rope_scaling ("linear" or Llama 3.1's "llama3").</summary>
public sealed record RopeScaling
{
    /// <summary>"linear" (every frequency divided by <see cref="Factor"/>) or "llama3" (low frequencies divided by it, high
    /// ones kept, a smooth blend between).</summary>
    public string Type { get; init; } = "linear";
    /// <summary>How much longer a context the scaled frequencies cover (1: unscaled).</summary>
    public double Factor { get; init; } = 1.0;
    /// <summary>llama3 only.</summary>
    public double LowFreqFactor { get; init; } = 1.0;
    /// <summary>llama3 only.</summary>
    public double HighFreqFactor { get; init; } = 4.0;
    /// <summary>llama3 only: the context length the model was pretrained with.</summary>
    public int OriginalContext { get; init; } = 8192;
}
