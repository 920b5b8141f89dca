using System.Text.Json;
using System.Text.Json.Serialization;
using CausalPreference.Models;

namespace CausalPreference.Perf;

/// <summary>bench/perf/plan.json: the models, shapes and iteration counts both implementations run.</summary>
sealed record Plan(Dictionary<string, PlanConfig> Configs, PlanSection Full, PlanSection Quick)
{
    static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };
    public static Plan Load(string path) =>
        JsonSerializer.Deserialize<Plan>(File.ReadAllText(path), Json) ?? throw new InvalidDataException($"{path} is empty");
}

/// <summary>One model size of the plan.</summary>
sealed record PlanConfig(int Vocab, int Ctx, int Layers, int Heads, int Dim)
{
    public ModelConfig ToModelConfig() => new()
    {
        Family = "gpt2", VocabSize = Vocab, ContextLength = Ctx, Layers = Layers, Heads = Heads, Dim = Dim, Dropout = 0.0,
        Tokenizer = "byte",
    };
}

/// <summary>The full or the quick list of workloads.</summary>
sealed record PlanSection(int Warmup, List<PlanWorkload> Workloads, PlanLeak Leak);

/// <summary>One timed workload (fields unused by a kind are left at their defaults).</summary>
sealed record PlanWorkload(string Kind, string Config, int Iters, int Batch = 0, int Seq = 0, int NewTokens = 0,
    int[]? Lengths = null, int[]? TildeLengths = null);

/// <summary>The memory-growth check: RSS after StepsA and after StepsB training steps of the real training loop.</summary>
sealed record PlanLeak(string Config, int Batch, int Seq, int StepsA, int StepsB);
