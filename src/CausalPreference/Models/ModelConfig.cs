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
    public int VocabSize { get; init; }
    public int ContextLength { get; init; }
    public int Layers { get; init; }
    public int Heads { get; init; }
    public int Dim { get; init; }
    /// <summary>Feed-forward width; 0 means 4 × Dim.</summary>
    public int Hidden { get; init; }
    public double Dropout { get; init; }
    public double NormEps { get; init; } = 1e-5;
    public bool TiedEmbeddings { get; init; } = true;
    /// <summary>Tokenizer kind written beside the weights.</summary>
    public string Tokenizer { get; init; } = "byte";

    [JsonIgnore] public int FeedForward => Hidden > 0 ? Hidden : 4 * Dim;

    /// <summary>The built-in model: byte-level, 4 layers, 128 wide, ~0.8M parameters; trains from scratch on a laptop CPU in minutes.</summary>
    public static ModelConfig Tiny => new()
    {
        Family = "gpt2", VocabSize = 259, ContextLength = 128, Layers = 4, Heads = 4, Dim = 128, Dropout = 0.0, Tokenizer = "byte",
    };

    /// <summary>An even smaller model for unit tests.</summary>
    public static ModelConfig Micro => Tiny with { Layers = 2, Dim = 32, Heads = 2, ContextLength = 64 };

    public void Validate(string source)
    {
        if (VocabSize <= 0 || ContextLength <= 1 || Layers <= 0 || Heads <= 0 || Dim <= 0 || Dim % Heads != 0)
            throw new InputException($"invalid model configuration (vocab {VocabSize}, context {ContextLength}, layers {Layers}, heads {Heads}, dim {Dim}); dim must be a multiple of heads", source);
    }

    static readonly JsonSerializerOptions Json = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };
    public string ToJson() => JsonSerializer.Serialize(this, Json);
    public static ModelConfig FromJson(string json, string source)
    {
        try { return JsonSerializer.Deserialize<ModelConfig>(json, Json) ?? throw new JsonException("empty"); }
        catch (JsonException e) { throw new InputException($"corrupt model configuration ({e.Message}); re-save the model", source); }
    }
}
