using System.CommandLine;
using CausalPreference.Data;
using CausalPreference.IO;

namespace CausalPreference.Cli;

/// <summary>The options that describe a direct-outcome file, shared by every verb that reads one.</summary>
public sealed class DataOptions
{
    public readonly Option<string> Data;
    public readonly Option<string> Text = Cli.Opt("--text-column", "Column holding the text", "text");
    public readonly Option<string?> Outcome = Cli.Opt<string?>("--outcome-column", "Column holding the numeric outcome (omit when --clicks-column/--impressions-column give a binomial outcome)");
    public readonly Option<string?> Prompt = Cli.Opt<string?>("--prompt-column", "Optional column with a prompt each text continues; scores become log P(text | prompt)");
    public readonly Option<string?> LogPropensity = Cli.Opt<string?>("--log-propensity-column", "Optional column with the known design log-probability log P^R(text) (≤ 0); replaces the FT model's estimate");
    public readonly Option<string?> Weight = Cli.Opt<string?>("--weight-column", "Optional non-negative row weight");
    public readonly Option<string?> Group = Cli.Opt<string?>("--group-column", "Optional group id (e.g. an A/B test id); a group stays on one side of every split");
    public readonly Option<string?> Clicks = Cli.Opt<string?>("--clicks-column", "Clicks column of a binomial outcome (with --impressions-column)");
    public readonly Option<string?> Impressions = Cli.Opt<string?>("--impressions-column", "Impressions column of a binomial outcome (with --clicks-column)");
    public readonly Option<bool> HigherIsBetter = Cli.Opt<bool>("--higher-is-better", "Larger outcomes are better (e.g. ratings, clicks)");
    public readonly Option<bool> LowerIsBetter = Cli.Opt<bool>("--lower-is-better", "Smaller outcomes are better (e.g. toxicity)");
    public readonly Option<OutcomeKind?> Kind = WithHelpName(Cli.Opt<OutcomeKind?>("--outcome-kind", "auto (the default: binomial with clicks and impressions, binary for 0/1 outcomes, else continuous), continuous, binary (0/1) or binomial"), "auto|continuous|binary|binomial");

    static Option<T> WithHelpName<T>(Option<T> o, string helpName) { o.HelpName = helpName; return o; }
    readonly bool _outcome;

    public DataOptions(Command cmd, bool outcome, string dataDescription = "Direct-outcome table: .csv, .tsv, .jsonl or .parquet")
    {
        _outcome = outcome;
        Data = Cli.Opt<string>("--data", dataDescription, required: true);
        cmd.Options.Add(Data);
        cmd.Options.Add(Text);
        cmd.Options.Add(Prompt);
        cmd.Options.Add(Group);
        if (!outcome) return;
        foreach (var o in new Option[] { Outcome, LogPropensity, Weight, Clicks, Impressions, HigherIsBetter, LowerIsBetter, Kind })
            cmd.Options.Add(o);
    }

    public DatasetSpec Spec(ParseResult pr)
    {
        var spec = new DatasetSpec(pr.GetValue(Data)!, pr.GetValue(Text)!) { PromptColumn = pr.GetValue(Prompt), GroupColumn = pr.GetValue(Group), RequireOutcome = _outcome };
        if (!_outcome) return spec;
        bool hi = pr.GetValue(HigherIsBetter), lo = pr.GetValue(LowerIsBetter);
        if (hi && lo) throw new InputException("--higher-is-better and --lower-is-better contradict each other; give one");
        if (!hi && !lo) throw new InputException("say which outcomes are better: add --higher-is-better (ratings, clicks) or --lower-is-better (toxicity, complaints)");
        return spec with
        {
            OutcomeColumn = pr.GetValue(Outcome), LogPropensityColumn = pr.GetValue(LogPropensity), WeightColumn = pr.GetValue(Weight),
            GroupColumn = pr.GetValue(Group), ClicksColumn = pr.GetValue(Clicks), ImpressionsColumn = pr.GetValue(Impressions),
            HigherIsBetter = hi, Kind = pr.GetValue(Kind) ?? OutcomeKind.Auto,
        };
    }

    public DirectOutcomeDataset Load(ParseResult pr)
    {
        var ds = DirectOutcomeDataset.Load(Spec(pr));
        Console.Error.WriteLine(ds.Describe());
        return ds;
    }
}

/// <summary>Options of the training loop (paper defaults, all overridable).</summary>
public sealed class TrainOptions
{
    public readonly Option<int> Epochs, BatchSize;
    public readonly Option<double> Lr;
    public readonly Option<double> MaxGradNorm, ValFraction;
    public readonly Option<long> Seed;
    public readonly Option<bool> Force = Cli.Opt<bool>("--force", "Discard a previous run in --out instead of resuming it");
    public readonly Option<string> Device = Cli.Opt("--device", "cpu or cuda", "cpu");
    public readonly Option<double?> StopAtLoss = Cli.Opt<double?>("--stop-at-loss", "Stop after the first epoch whose validation loss is at or below this (FT: nats per token); --epochs is then a budget");
    public readonly Option<bool> Lora = Cli.Opt<bool>("--lora", "Train LoRA adapters (base weights frozen) instead of all weights; the saved model has the adapters merged, and adapter_model.safetensors + adapter_config.json (PEFT names) beside it");
    public readonly Option<int> LoraRank = Cli.Opt("--lora-rank", "LoRA rank r", new Models.LoraOptions().Rank);
    public readonly Option<double> LoraAlpha = Cli.Opt("--lora-alpha", "LoRA alpha (scale alpha/r); the paper used 8, the authors' code 32", new Models.LoraOptions().Alpha);
    public readonly Option<double> LoraDropout = Cli.Opt("--lora-dropout", "LoRA dropout", new Models.LoraOptions().Dropout);
    public readonly Option<string?> LoraTargets = Cli.Opt<string?>("--lora-targets", "Comma-separated module names to adapt (default: q_proj,v_proj for Llama, c_attn for GPT-2)");

    /// <summary>The flags of a causal trainer, with the defaults of <paramref name="defaults"/>.</summary>
    public TrainOptions(Command cmd, Training.CausalTrainingOptions defaults)
        : this(cmd, defaults.Trainer.Epochs, defaults.Trainer.BatchSize, defaults.Trainer.LearningRate, defaults.ValidationFraction) { }

    /// <summary>The flags of a trainer with these defaults (-1: chosen by the base, as FT does; see <see cref="Training.SftOptions"/>).</summary>
    public TrainOptions(Command cmd, int epochs, int batch, double lr, double validationFraction = 0.2)
    {
        var d = new Training.TrainerOptions();
        Lr = Cli.Opt("--lr", "Peak learning rate (AdamW, linear decay to 0, no warmup)", lr);
        Epochs = Cli.Opt("--epochs", "Training epochs", epochs);
        BatchSize = Cli.Opt("--batch-size", "Rows per optimizer step (and the self-normalization scope of the causal objectives)", batch);
        MaxGradNorm = Cli.Opt("--max-grad-norm", "Global gradient-norm clip (0 = off)", d.MaxGradNorm);
        Seed = Cli.Opt("--seed", "Random seed (data order, dropout, initialization)", d.Seed);
        ValFraction = Cli.Opt("--validation-fraction", "Share of rows (or groups) held out for validation", validationFraction);
        foreach (var o in new Option[] { Epochs, BatchSize, Lr, MaxGradNorm, Seed, ValFraction, Force, Device, StopAtLoss, Lora, LoraRank, LoraAlpha, LoraDropout, LoraTargets }) cmd.Options.Add(o);
    }

    public Training.TrainerOptions Build(ParseResult pr) => new()
    {
        Epochs = pr.GetValue(Epochs), BatchSize = pr.GetValue(BatchSize), LearningRate = pr.GetValue(Lr),
        MaxGradNorm = pr.GetValue(MaxGradNorm), Seed = pr.GetValue(Seed), StopAtValidationLoss = pr.GetValue(StopAtLoss),
    };

    /// <summary>The LoRA settings, or null for full fine-tuning.</summary>
    public Models.LoraOptions? GetLora(ParseResult pr)
    {
        if (!pr.GetValue(Lora)) return null;
        if (pr.GetValue(LoraRank) < 1) throw new InputException($"`lora_rank` must be at least 1 (got {pr.GetValue(LoraRank)})");
        if (!(pr.GetValue(LoraDropout) is >= 0 and < 1)) throw new InputException("`lora_dropout` must be in [0, 1)");
        return new Models.LoraOptions
        {
            Rank = pr.GetValue(LoraRank), Alpha = pr.GetValue(LoraAlpha), Dropout = pr.GetValue(LoraDropout),
            TargetModules = pr.GetValue(LoraTargets)?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
        };
    }

    public TorchSharp.torch.Device GetDevice(ParseResult pr) => DeviceOption.Parse(pr.GetValue(Device)!);
}

/// <summary>Parses --device and explains what is missing when CUDA cannot be used.</summary>
public static class DeviceOption
{
    public static TorchSharp.torch.Device Parse(string s)
    {
        TorchRuntime.EnsureLoaded();
        switch (s.ToLowerInvariant())
        {
            case "cpu": return TorchSharp.torch.CPU;
            case "cuda":
            case var c when c.StartsWith("cuda:"):
                if (!TorchSharp.torch.cuda.is_available())
                    throw new InputException("--device cuda: CUDA is not available to libtorch in this process. The bundled libtorch is CPU-only; " +
                        "point CAUSALPO_TORCH_LIB (or LD_LIBRARY_PATH) at the torch/lib folder of a CUDA build of PyTorch and use a build published without the CPU natives (see docs/performance.md)");
                return new TorchSharp.torch.Device(s);
            default: throw new InputException($"unknown --device '{s}'; use cpu or cuda");
        }
    }
}
