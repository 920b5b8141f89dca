using System.Text.Json;
using System.Text.Json.Serialization;
using CausalPreference.Models;

namespace CausalPreference.Perf;

/// <summary>bench/perf/plan.json: the models, shapes and iteration counts both implementations run.</summary>
sealed record Plan(Dictionary<string, PlanConfig> Configs, PlanSection Full, PlanSection Quick, PlanSection? Gpu = null)
{
    /// <summary>The section called <paramref name="name"/> (full, quick or gpu).</summary>
    public PlanSection Section(string name) => name switch
    {
        "full" => Full,
        "quick" => Quick,
        "gpu" => Gpu ?? throw new InvalidDataException("plan.json has no 'gpu' section"),
        _ => throw new ArgumentException($"unknown plan section '{name}'; use full, quick or gpu"),
    };

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

/// <summary>A list of workloads (full, quick or gpu); the memory-growth check is optional (the gpu section has none).</summary>
sealed record PlanSection(int Warmup, List<PlanWorkload> Workloads, PlanLeak? Leak = null);

/// <summary>One timed workload (fields unused by a kind are left at their defaults). Greedy: generation takes the
/// arg-max token instead of sampling (both sides).</summary>
sealed record PlanWorkload(string Kind, string Config, int Iters, int Batch = 0, int Seq = 0, int NewTokens = 0,
    int[]? Lengths = null, int[]? TildeLengths = null, bool Greedy = false);

/// <summary>The memory-growth check: RSS after StepsA and after StepsB training steps of the real training loop.</summary>
sealed record PlanLeak(string Config, int Batch, int Seq, int StepsA, int StepsB);
