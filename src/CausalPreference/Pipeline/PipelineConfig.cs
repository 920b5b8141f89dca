using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using CausalPreference.Causal;
using CausalPreference.Data;
using CausalPreference.IO;

namespace CausalPreference.Pipeline;

/// <summary>
/// One JSON file that describes a whole experiment for the pipeline verb (<c>causalpo pipeline</c>, given the file as its config): the data (a file, or
/// the built-in world), the base model, FT, the objectives and trainer settings, ĝ, m, evaluation and judging, the seed and
/// the output folder. Property names are snake_case; unknown properties are refused (a typo never passes silently).
/// Relative <c>data.path</c> values are resolved against the config file's folder; <c>out</c> against the current folder.
/// </summary>
public sealed record PipelineConfig
{
    /// <summary>A short name used in reports.</summary>
    public string Name { get; init; } = "pipeline";
    /// <summary>Output folder (relative to the current folder).</summary>
    public string Out { get; init; } = "runs/pipeline";
    /// <summary>Seed of the held-out split, FT, the trainers and the samplers.</summary>
    public long Seed { get; init; } = 1;
    /// <summary>"standard" (FT and each objective) or "confounding" (the paper's Table 4, docs/math.md#confounding: confounded ĝ and two CPO seeds).</summary>
    public string Study { get; init; } = "standard";
    /// <summary>Where the rows come from and which columns play which role.</summary>
    public PipelineDataConfig Data { get; init; } = new();
    /// <summary>The base model.</summary>
    public PipelineModelConfig Model { get; init; } = new();
    /// <summary>FT settings.</summary>
    public PipelineFtConfig Ft { get; init; } = new();
    /// <summary>Confounding study: also train CPO with a second seed (cpo-seed2), the paper's yardstick of seed-to-seed
    /// noise (null: yes).</summary>
    public bool? SeedCheck { get; init; }
    /// <summary>Objectives to train in the standard study: any of cpo, dr-cpo, oo-rlhf.</summary>
    public string[] Objectives { get; init; } = ["cpo", "dr-cpo", "oo-rlhf"];
    /// <summary>Settings of the causal trainer.</summary>
    public PipelineTrainerConfig Trainer { get; init; } = new();
    /// <summary>The outcome model ĝ used by DR-CPO and OO-RLHF.</summary>
    public PipelineOutcomeConfig OutcomeModel { get; init; } = new();
    /// <summary>Number of X̃ samples from f0 (the FT model); 0 = 2 × training rows.</summary>
    public int M { get; init; }
    /// <summary>Evaluation and judging.</summary>
    public PipelineEvalConfig Eval { get; init; } = new();

    /// <summary>The folder relative data paths are resolved against (the config file's folder); not part of the JSON.</summary>
    [JsonIgnore] public string BaseDir { get; init; } = ".";

    /// <summary>True when rows are held out for off-policy evaluation and judging (data.test_fraction &gt; 0); the built-in
    /// world may hold none out, and then its truth alone evaluates the models.</summary>
    [JsonIgnore] public bool HasHeldOut => Data.TestFraction > 0;

    /// <summary>True for the confounding study.</summary>
    [JsonIgnore] public bool IsConfoundingStudy => Study.Equals("confounding", StringComparison.OrdinalIgnoreCase);

    internal static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
        AllowDuplicateProperties = false, // a repeated key is refused, never silently the last one
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    /// <summary>Reads and validates a config file; every problem is an <see cref="InputException"/> naming the file.</summary>
    public static PipelineConfig Load(string path)
    {
        if (!File.Exists(path)) throw new InputException("the pipeline config file does not exist; see configs/ for examples.", path);
        PipelineConfig? c;
        try { c = JsonSerializer.Deserialize<PipelineConfig>(File.ReadAllText(path), Json); }
        catch (JsonException e) { throw new InputException($"the config is not valid: {e.Message} (properties are snake_case, e.g. \"batch_size\"; see configs/ for examples)", path, inner: e); }
        if (c is null) throw new InputException("the config is empty (null); write a JSON object.", path);
        c = c with { BaseDir = Path.GetDirectoryName(Path.GetFullPath(path))! };
        c.Validate(path);
        return c;
    }

    /// <summary>Parses a config from JSON text (relative data paths resolve against <paramref name="baseDir"/>).</summary>
    public static PipelineConfig Parse(string json, string baseDir)
    {
        PipelineConfig? c;
        try { c = JsonSerializer.Deserialize<PipelineConfig>(json, Json); }
        catch (JsonException e) { throw new InputException($"the config is not valid: {e.Message}", inner: e); }
        c = (c ?? throw new InputException("the config is empty")) with { BaseDir = baseDir };
        foreach (var (section, value) in new (string, object?)[] { ("name", c.Name), ("out", c.Out), ("study", c.Study), ("data", c.Data), ("model", c.Model),
                     ("ft", c.Ft), ("objectives", c.Objectives), ("trainer", c.Trainer), ("outcome_model", c.OutcomeModel), ("eval", c.Eval),
                     ("data.source", c.Data?.Source), ("data.text", c.Data?.Text), ("model.base", c.Model?.Base), ("model.device", c.Model?.Device),
                     ("trainer.normalization", c.Trainer?.Normalization), ("eval.estimators", c.Eval?.Estimators) })
            if (value is null)
                throw new InputException($"\"{section}\" is null; leave it out for its default, or give a value", column: section);
        c.Validate(null);
        return c;
    }

    /// <summary>The config as JSON (for run metadata and stage fingerprints).</summary>
    public string ToJson() => JsonSerializer.Serialize(this, Json);

    /// <summary>The tokenizer FT gives a built-in base trained from scratch: model.tokenizer, else "learned" for file data
    /// and "bytes" for the built-in world (whose texts come from a small grammar, and whose quoted results use bytes).</summary>
    public Text.ScratchTokenizer ScratchTokenizerFor(bool world) => new(Model.Tokenizer ?? (world ? Text.ScratchTokenizer.Bytes : Text.ScratchTokenizer.Learned),
        Model.VocabSize ?? Text.BpeLearner.DefaultVocabSize);

    /// <summary>The data file's full path (null for the built-in world).</summary>
    public string? DataPath => Data.Path is null ? null : Path.GetFullPath(Path.Combine(BaseDir, Data.Path));

    /// <summary>The objectives of the standard study, parsed.</summary>
    public IReadOnlyList<ObjectiveKind> ObjectiveKinds => Objectives.Select(ParseObjective).ToArray();

    /// <summary>Parses cpo, dr-cpo or oo-rlhf.</summary>
    public static ObjectiveKind ParseObjective(string s) => s.ToLowerInvariant() switch
    {
        "cpo" => ObjectiveKind.Cpo, "dr-cpo" or "drcpo" => ObjectiveKind.DrCpo, "oo-rlhf" or "oorlhf" => ObjectiveKind.OoRlhf,
        _ => throw new InputException($"unknown objective '{s}'; use cpo, dr-cpo or oo-rlhf"),
    };

    void Validate(string? file)
    {
        void Fail(string m, string field) => throw new InputException(m, file, column: field);
        if (string.IsNullOrWhiteSpace(Out)) Fail("\"out\" is empty; name an output folder", "out");
        if (!IsConfoundingStudy && !Study.Equals("standard", StringComparison.OrdinalIgnoreCase))
            Fail($"unknown study '{Study}'; use \"standard\" or \"confounding\"", "study");
        if (!IsConfoundingStudy && Objectives.Length == 0) Fail("\"objectives\" is empty; list at least one of cpo, dr-cpo, oo-rlhf", "objectives");
        foreach (var o in Objectives) ParseObjective(o);
        var d = Data;
        bool world = d.Source.Equals("world", StringComparison.OrdinalIgnoreCase);
        if (!world && !d.Source.Equals("file", StringComparison.OrdinalIgnoreCase)) Fail($"unknown data.source '{d.Source}'; use \"file\" or \"world\"", "data.source");
        if (!world)
        {
            if (string.IsNullOrWhiteSpace(d.Path)) Fail("data.path is missing: name the data file (relative to this config file)", "data.path");
            if (d.Direction is not ("higher" or "lower")) Fail("data.direction must be \"higher\" or \"lower\" (which outcomes are better); it is never guessed", "data.direction");
            if (d.Outcome is null && (d.Clicks is null || d.Impressions is null)) Fail("give data.outcome, or data.clicks with data.impressions", "data.outcome");
        }
        else if (d.WorldRows < 20) Fail($"data.world_rows must be at least 20 (got {d.WorldRows})", "data.world_rows");
        if (IsConfoundingStudy && d.Confounded is not ("negated" or "world")) Fail("data.confounded must be \"negated\" (ĝ fit on −Y, as the paper) or \"world\" (the world's haters mechanism)", "data.confounded");
        if (IsConfoundingStudy && d.Confounded == "world" && !world) Fail("data.confounded \"world\" needs data.source \"world\"", "data.confounded");
        if (!(d.TestFraction > 0 && d.TestFraction < 1) && !(world && d.TestFraction == 0))
            Fail($"data.test_fraction must be strictly between 0 and 1 (got {d.TestFraction.ToString(CultureInfo.InvariantCulture)}); only the built-in world may hold out none (0), its truth then evaluating the models", "data.test_fraction");
        if (d.MaxRows < 0) Fail("data.max_rows must be 0 (all rows) or positive", "data.max_rows");
        if (d.Design is { } des)
        {
            if (des.Method is not ("test-uniform" or "impression-share" or "arm-uniform")) Fail("data.design.method must be \"arm-uniform\", \"test-uniform\" or \"impression-share\"", "data.design.method");
            if (des.ExcludeWeeks is { } w && (w.Length != 2 || w[0] > w[1])) Fail("data.design.exclude_weeks must be [first, last] (inclusive, e.g. [201325, 201404])", "data.design.exclude_weeks");
        }
        if (Model.Tokenizer is not null || Model.VocabSize is not null)
        {
            if (!Model.IsBuiltIn) Fail("model.tokenizer and model.vocab_size apply to a built-in base trained from scratch (\"tiny\" or \"micro\"); a pretrained base keeps its own tokenizer", "model.tokenizer");
            try { ScratchTokenizerFor(world).Validated("model.tokenizer", "model.vocab_size"); }
            catch (InputException e) { Fail(e.Message, "model.tokenizer"); }
        }
        if (Ft.Steps < 0 || Ft.BatchSize < 1 || !(Ft.Lr > 0)) Fail("ft needs steps ≥ 0, batch_size ≥ 1 and lr > 0", "ft");
        if (Ft.StopAtLoss is double stop && !(stop > 0 && double.IsFinite(stop))) Fail("ft.stop_at_loss must be a positive number of nats per token (or left out)", "ft.stop_at_loss");
        if (Trainer.Epochs < 1 || Trainer.BatchSize < 1 || !(Trainer.Lr > 0)) Fail("trainer needs epochs ≥ 1, batch_size ≥ 1 and lr > 0", "trainer");
        if (Trainer.AnchorWeight is double aw && !(aw >= 0 && double.IsFinite(aw))) Fail("trainer.anchor_weight must be a finite number ≥ 0", "trainer.anchor_weight");
        if (Trainer.OutcomeFloor is double of && !double.IsFinite(of)) Fail("trainer.outcome_floor must be a finite number", "trainer.outcome_floor");
        if (Trainer.Weighting is not (null or "within-experiment" or "pooled")) Fail($"trainer.weighting must be \"within-experiment\" or \"pooled\" (got \"{Trainer.Weighting}\")", "trainer.weighting");
        if (Trainer.Weighting == "within-experiment" && Data.Group is null) Fail("trainer.weighting \"within-experiment\" needs data.group, the experiment id column", "trainer.weighting");
        if (Trainer.Normalization is not ("self" or "ht")) Fail("trainer.normalization must be \"self\" or \"ht\"", "trainer.normalization");
        if (!(Trainer.ValidationFraction > 0 && Trainer.ValidationFraction < 1)) Fail("trainer.validation_fraction must be strictly between 0 and 1", "trainer.validation_fraction");
        try { Trainer.ToOptions(Seed, Math.Max(2, OutcomeModel.Folds), Math.Max(0, M)).Validated(); }
        catch (InputException e) { var named = e.Respell(PipelineTrainerConfig.KeyOf); Fail(named.Detail, e.Parameters.Count > 0 ? PipelineTrainerConfig.KeyOf(e.Parameters[0]) : "trainer"); }
        if (OutcomeModel.Folds < 2) Fail("outcome_model.folds must be at least 2 (cross-fitting)", "outcome_model.folds");
        if (M < 0) Fail("m must be 0 (2 × training rows) or positive", "m");
        if (Eval.Samples < 2) Fail("eval.samples must be at least 2", "eval.samples");
        if (Eval.MaxNewTokens < 1) Fail("eval.max_new_tokens must be at least 1", "eval.max_new_tokens");
        foreach (var e in Eval.Estimators)
            if (!Estimators.All.Any(x => x.Name.Equals(e, StringComparison.OrdinalIgnoreCase))) Fail($"unknown estimator '{e}' in eval.estimators; use IPW, SNIPW, DM, DR or SNDR", "eval.estimators");
        if (Eval.Judge.Openai is { Model: { } jm } && string.IsNullOrWhiteSpace(jm)) Fail("eval.judge.openai.model is empty; name the judge model (or leave it out to use CAUSALPO_JUDGE_MODEL)", "eval.judge.openai.model");
    }
}

/// <summary>The data section of a <see cref="PipelineConfig"/>.</summary>
public sealed record PipelineDataConfig
{
    /// <summary>"file" (a table at <see cref="Path"/>) or "world" (the built-in simulated world with known truth).</summary>
    public string Source { get; init; } = "file";
    /// <summary>The table (csv, tsv, jsonl, parquet), relative to the config file.</summary>
    public string? Path { get; init; }
    /// <summary>Text column.</summary>
    public string Text { get; init; } = "text";
    /// <summary>Numeric outcome column (or give <see cref="Clicks"/> and <see cref="Impressions"/>).</summary>
    public string? Outcome { get; init; }
    /// <summary>Clicks column of a binomial outcome.</summary>
    public string? Clicks { get; init; }
    /// <summary>Impressions column of a binomial outcome (the row weight).</summary>
    public string? Impressions { get; init; }
    /// <summary>"higher" or "lower": which outcomes are better (required for files).</summary>
    public string? Direction { get; init; }
    /// <summary>auto, continuous, binary or binomial.</summary>
    public string Kind { get; init; } = "auto";
    /// <summary>Group column (an A/B test id): every split keeps a group on one side.</summary>
    public string? Group { get; init; }
    /// <summary>A design log-propensity column already in the file (else derived by <see cref="Design"/>, else P̂^R from FT).</summary>
    public string? LogPropensity { get; init; }
    /// <summary>Optional row-weight column.</summary>
    public string? Weight { get; init; }
    /// <summary>Derive design log-propensities for grouped A/B tests (Upworthy); see docs/data.md.</summary>
    public PipelineDesignConfig? Design { get; init; }
    /// <summary>Keep at most this many rows (whole groups, seeded); 0 keeps all. Sizes a run for a CPU.</summary>
    public int MaxRows { get; init; }
    /// <summary>Share of rows (whole groups) held out from all training, for value estimates and the judge's outcome model
    /// (0, for the built-in world only: none, and no off-policy estimates or judging).</summary>
    public double TestFraction { get; init; } = 0.2;
    /// <summary>Rows simulated from the built-in world (source "world").</summary>
    public int WorldRows { get; init; } = 400;
    /// <summary>Confounding study: "negated" (ĝ fit on −Y, as the paper) or "world" (ĝ fit on the world's confounded rows).</summary>
    public string Confounded { get; init; } = "negated";
}

/// <summary>How to derive design log-propensities for A/B tests randomized within groups (see <see cref="DesignPropensity"/>).</summary>
public sealed record PipelineDesignConfig
{
    /// <summary>The test (group) id column.</summary>
    public string Test { get; init; } = "test_id";
    /// <summary>Impressions column (how often each arm was shown).</summary>
    public string Impressions { get; init; } = "impressions";
    /// <summary>Week column (YYYYWW) used by <see cref="ExcludeWeeks"/>.</summary>
    public string Week { get; init; } = "test_week";
    /// <summary>[first, last] week to exclude (inclusive), e.g. [201325, 201404]; null excludes nothing.</summary>
    public int[]? ExcludeWeeks { get; init; }
    /// <summary>"test-uniform": log(1/#tests) + log(impression share in the test); "impression-share": log(impressions / all impressions).</summary>
    public string Method { get; init; } = "test-uniform";
    /// <summary>Name of the derived column.</summary>
    public string Column { get; init; } = "log_propensity";
}

/// <summary>The base model.</summary>
public sealed record PipelineModelConfig
{
    /// <summary>"tiny" or "micro" (built in, trained from scratch by FT), or a checkpoint / Hugging Face folder.</summary>
    public string Base { get; init; } = "tiny";
    /// <summary>Tokenizer of a built-in base trained from scratch: "learned" (byte-level BPE learned from the FT texts) or
    /// "bytes"; null: learned for file data, bytes for the built-in world.</summary>
    public string? Tokenizer { get; init; }
    /// <summary>Most tokens of a learned tokenizer (null: <see cref="Text.BpeLearner.DefaultVocabSize"/>).</summary>
    public int? VocabSize { get; init; }
    /// <summary>True for "tiny" and "micro", the built-in models FT trains from scratch.</summary>
    [JsonIgnore] public bool IsBuiltIn => Base is "tiny" or "micro";
    /// <summary>cpu or cuda.</summary>
    public string Device { get; init; } = "cpu";
}

/// <summary>FT (causal-LM fine-tuning on the training texts).</summary>
public sealed record PipelineFtConfig
{
    /// <summary>Optimizer steps (rounded up to whole epochs); the tiny model needs a few hundred to learn anything.</summary>
    public int Steps { get; init; } = 300;
    /// <summary>Batch size.</summary>
    public int BatchSize { get; init; } = Training.SftOptions.ScratchBatchSize;
    /// <summary>Peak learning rate.</summary>
    public double Lr { get; init; } = Training.SftOptions.ScratchLearningRate;
    /// <summary>Stop after the first epoch whose validation loss (nats per token) is at or below this; <see cref="Steps"/>
    /// is then a budget (null: train every step).</summary>
    public double? StopAtLoss { get; init; }
}

/// <summary>The causal trainer: each key is a <see cref="Training.CausalTrainingOptions"/> parameter, and its default is
/// <see cref="Training.CausalTrainingOptions.Pipeline"/>'s (paper defaults are 3 epochs, batch 4, lr 5e-5 for a pretrained model).
/// Keys added later are nullable (null: the library's default), so that older configs keep their stage fingerprints.</summary>
public sealed record PipelineTrainerConfig
{
    static readonly Training.CausalTrainingOptions Defaults = Training.CausalTrainingOptions.Pipeline;
    /// <summary>Epochs.</summary>
    public int Epochs { get; init; } = Defaults.Trainer.Epochs;
    /// <summary>Batch size (= self-normalization scope).</summary>
    public int BatchSize { get; init; } = Defaults.Trainer.BatchSize;
    /// <summary>Peak learning rate.</summary>
    public double Lr { get; init; } = Defaults.Trainer.LearningRate;
    /// <summary>Global gradient-norm clip.</summary>
    public double MaxGradNorm { get; init; } = Defaults.Trainer.MaxGradNorm;
    /// <summary>Share of the training rows held out: FT's validation rows, and the causal runs' checkpoint selection and certificate.</summary>
    public double ValidationFraction { get; init; } = Defaults.ValidationFraction;
    /// <summary>"self" (self-normalized per batch) or "ht" (Horvitz–Thompson).</summary>
    public string Normalization { get; init; } = "self";
    /// <summary>Optional clip of log importance ratios.</summary>
    public double? MaxLogWeight { get; init; }
    /// <summary>λ of the likelihood anchor: the adaptive anchor's starting value (null: its default), or with <see cref="PaperExact"/> a fixed λ (null: off).</summary>
    public double? AnchorWeight { get; init; }
    /// <summary>The paper's exact objective and per-epoch selection by the validation V̂ (overlap-aware training off).</summary>
    public bool PaperExact { get; init; }
    /// <summary>The outcome assumed for a text outside the data's support when certifying the improvement over FT (null: the worst training outcome).</summary>
    public double? OutcomeFloor { get; init; }
    /// <summary>"within-experiment" (weights normalized within each experiment of data.group) or "pooled"; null: within-experiment when data.group is set.</summary>
    public string? Weighting { get; init; }
    /// <summary>Overlap-aware training: the ESS fraction below which the anchor's λ grows (null: the default, 0.3).</summary>
    public double? EssFloor { get; init; }
    /// <summary>Use the FT model as P̂^R even when the data has design probabilities (null: false).</summary>
    public bool? ReferenceFromModel { get; init; }
    /// <summary>Stop after the first epoch whose validation loss is at or below this (null: every epoch).</summary>
    public double? StopAtLoss { get; init; }

    /// <summary>Every setting of one causal run of the pipeline (its seed, ĝ's folds and m come from the config's other sections).</summary>
    public Training.CausalTrainingOptions ToOptions(long seed, int folds, int m) => new()
    {
        Trainer = new Training.TrainerOptions { Epochs = Epochs, BatchSize = BatchSize, LearningRate = Lr, MaxGradNorm = MaxGradNorm, Seed = seed, StopAtValidationLoss = StopAtLoss },
        ValidationFraction = ValidationFraction, Normalization = Training.CausalTrainingOptions.ParseNormalization(Normalization), MaxLogWeight = MaxLogWeight,
        AnchorWeight = AnchorWeight ?? 0, PaperExact = PaperExact, EssFloor = EssFloor ?? Defaults.EssFloor, OutcomeFloor = OutcomeFloor,
        ReferenceFromModel = ReferenceFromModel ?? false, WithinExperiments = Training.CausalTrainingOptions.ParseWeighting(Weighting), Folds = folds, M = m,
    };

    /// <summary>The config key of a <see cref="Training.CausalTrainingOptions"/> parameter ("trainer.epochs", "seed", "m").</summary>
    public static string KeyOf(string parameter) => parameter switch
    {
        "seed" or "m" => parameter, "folds" => "outcome_model.folds", _ => "trainer." + parameter,
    };
}

/// <summary>The outcome model ĝ.</summary>
public sealed record PipelineOutcomeConfig
{
    /// <summary>Cross-fitting folds (groups kept within a fold).</summary>
    public int Folds { get; init; } = 5;
}

/// <summary>Evaluation and judging.</summary>
public sealed record PipelineEvalConfig
{
    /// <summary>Texts sampled from each model (pure ancestral sampling; the same seed for every model).</summary>
    public int Samples { get; init; } = 200;
    /// <summary>Longest sample, in tokens (bytes for the tiny model); also capped by the context.</summary>
    public int MaxNewTokens { get; init; } = 200;
    /// <summary>Off-policy estimators reported on the held-out rows.</summary>
    public string[] Estimators { get; init; } = ["SNIPW", "DM", "SNDR"];
    /// <summary>Judging.</summary>
    public PipelineJudgeConfig Judge { get; init; } = new();
}

/// <summary>Judges: the outcome-model judge always; an OpenAI-compatible judge only when configured.</summary>
public sealed record PipelineJudgeConfig
{
    /// <summary>Judge with an outcome model fit on the held-out rows' real outcomes.</summary>
    public bool OutcomeModel { get; init; } = true;
    /// <summary>Optional OpenAI-compatible judge; the API key comes from the environment variable named here.</summary>
    public PipelineOpenAiJudgeConfig? Openai { get; init; }
}

/// <summary>An OpenAI-compatible judge (network; only when configured).</summary>
public sealed record PipelineOpenAiJudgeConfig
{
    /// <summary>Base URL (default https://api.openai.com/v1 or CAUSALPO_JUDGE_URL).</summary>
    public string? Url { get; init; }
    /// <summary>Model id (the paper: gpt-4-1106-preview); null takes CAUSALPO_JUDGE_MODEL.</summary>
    public string? Model { get; init; }
    /// <summary>Template name: hong-kong, hate-speech, or a template text with {A} and {B}.</summary>
    public string Template { get; init; } = "hong-kong";
    /// <summary>Environment variable holding the API key (default CAUSALPO_JUDGE_API_KEY, then OPENAI_API_KEY).</summary>
    public string? ApiKeyEnv { get; init; }
}
