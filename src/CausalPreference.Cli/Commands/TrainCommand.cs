using System.CommandLine;
using System.Text.Json;
using CausalPreference.Causal;
using CausalPreference.IO;
using CausalPreference.Models;
using CausalPreference.Pipeline;
using CausalPreference.Training;

namespace CausalPreference.Cli.Commands;

/// <summary><c>causalpo train</c>: CPO, DR-CPO or OO-RLHF from the FT model.</summary>
public static class TrainCommand
{
    public static Command Build()
    {
        var cmd = new Command("train", "Optimize the FT model for the outcome with a causal objective: cpo (importance-weighted value on randomized data), " +
            "dr-cpo (doubly robust: adds an outcome model and samples X̃ from f0), or oo-rlhf (outcome model only, the baseline). " +
            "Optimization defaults are the paper's (3 epochs, batch 4, lr 5e-5, grad clip 1.0, self-normalized weights per batch), and training is " +
            "overlap-aware by default: an adaptive likelihood anchor keeps the policy where the data can vouch for it, the checkpoint is chosen by a " +
            "certified lower bound on half the held-out rows, and the run states the improvement over FT it can certify on the other half. " +
            "--paper-exact gives the paper's objective unchanged.");
        var data = new DataOptions(cmd, outcome: true);
        var model = Cli.Opt<string>("--model", "The FT model: the policy's starting point and P̂^R (unless --log-propensity-column gives design probabilities)", required: true);
        var objective = Cli.Opt<string>("--objective", "cpo, dr-cpo or oo-rlhf", required: true);
        var outcomeModel = Cli.Opt<string?>("--outcome-model", "A saved outcome model ĝ (from `causalpo outcome-model`, fit on a separate sample). Default: a lexical model cross-fitted on the training rows");
        var folds = Cli.Opt("--folds", "Cross-fitting folds for ĝ", 5);
        var unlabeled = Cli.Opt<string?>("--unlabeled", "Table of X̃ samples with columns text and logprob (log P^f0, e.g. from `causalpo generate --model F0`), optional prompt");
        var f0 = Cli.Opt<string?>("--f0", "Model to sample X̃ from when --unlabeled is not given (default: --model, the FT model)");
        var m = Cli.Opt("--m", "Number of X̃ samples to draw from f0 (default: 2 × training rows)", 0);
        var normalization = Cli.Opt("--normalization", "self (self-normalized per batch, default) or ht (Horvitz–Thompson)", "self");
        var maxLogWeight = Cli.Opt<double?>("--max-log-weight", "Clip log importance ratios above this value (off by default; clipped counts are logged)");
        var anchorWeight = Cli.Opt("--anchor-weight", "λ of the likelihood anchor (not in the paper): minimize −V̂ + λ·(mean NLL per token of the step's texts). " +
            "Overlap-aware training adapts λ and this is its starting value (0 = the default, 1); with --paper-exact it is a fixed λ (0 = off)", 0.0);
        var paperExact = Cli.Opt<bool>("--paper-exact", "The paper's exact objective: no adaptive anchor, best epoch by the validation V̂. On a small model the policy " +
            "can leave the data's support and break its grammar; the run still states what it can certify");
        var essFloor = Cli.Opt("--ess-floor", "Overlap-aware training: the ESS fraction (pooled over 4 steps) below which the anchor's λ grows", OverlapOptions.Default.EssFloor);
        var outcomeFloor = Cli.Opt<double?>("--outcome-floor", "The outcome assumed for a text outside the data's support when certifying the improvement over FT " +
            "(on the outcome's own scale; default: the worst outcome in the training rows)");
        var referenceFromModel = Cli.Opt<bool>("--reference-from-model", "Use the FT model as P̂^R for the objective even when --log-propensity-column gives design " +
            "probabilities (these then serve the held-out certificate only)");
        var weighting = Cli.Opt<string?>("--weighting", "within-experiment: normalize the weights within each experiment of --group-column (rows randomized " +
            "within it; a step takes --batch-size whole experiments; P̂^R(X | experiment) = the FT model's P(X) × the row's design probability, 1/k without " +
            "--log-propensity-column); pooled: one scope per step over all its rows. Default: within-experiment when --group-column is given, else pooled");
        var outDir = Cli.Opt<string>("--out", "Output folder: the trained model, run.json, training.json, train_log.jsonl", required: true);
        var cache = Cli.Opt<string?>("--cache", "Folder for cached reference scores and X̃ samples (default: .cache beside --out)");
        foreach (var o in new Option[] { model, objective, outcomeModel, folds, unlabeled, f0, m, normalization, maxLogWeight, anchorWeight, paperExact, essFloor, outcomeFloor, referenceFromModel, weighting, outDir, cache }) cmd.Options.Add(o);
        var train = new TrainOptions(cmd);
        Cli.SetAction(cmd, pr =>
        {
            OutputPath.RequireWritableFolder(pr.GetValue(outDir));
            var kind = ParseObjective(pr.GetValue(objective)!);
            var norm = pr.GetValue(normalization) switch
            {
                "self" => WeightNormalization.SelfNormalized, "ht" => WeightNormalization.HorvitzThompson,
                var s => throw new InputException($"unknown --normalization '{s}'; use self or ht"),
            };
            var opts = train.Build(pr);
            opts.Validate();
            if (pr.GetValue(folds) < 2) throw new InputException($"--folds must be at least 2 for cross-fitting ĝ (got {pr.GetValue(folds)})");
            bool exact = pr.GetValue(paperExact);
            double lambda = AnchorWeight(pr.GetValue(anchorWeight));
            var overlap = exact ? OverlapOptions.PaperExact
                : OverlapOptions.Default with { EssFloor = pr.GetValue(essFloor), InitialAnchorWeight = lambda > 0 ? lambda : OverlapOptions.Default.InitialAnchorWeight };
            try { overlap.Validate(); }
            catch (InputException e) { throw new InputException($"--ess-floor: {e.Message}"); }
            if (pr.GetValue(outcomeFloor) is double of && !double.IsFinite(of)) throw new InputException($"--outcome-floor must be a finite number (got {of})");
            bool? within = pr.GetValue(weighting) switch
            {
                null => null, "within-experiment" => true, "pooled" => false,
                var w => throw new InputException($"unknown --weighting '{w}'; use within-experiment or pooled"),
            };
            var device = train.GetDevice(pr);
            var dir = pr.GetValue(outDir)!;
            if (pr.GetValue(train.Force)) TrainLoop.Reset(dir);
            var bars = new List<ProgressLine>();
            var req = new CausalRunRequest(data.Load(pr), pr.GetValue(model)!, kind, pr.GetValue(outcomeModel), pr.GetValue(folds),
                pr.GetValue(unlabeled), pr.GetValue(f0), pr.GetValue(m), new ObjectiveOptions(norm, pr.GetValue(maxLogWeight), exact ? lambda : 0), opts,
                pr.GetValue(train.ValFraction), dir, pr.GetValue(cache) ?? Path.Combine(Path.GetDirectoryName(Path.GetFullPath(dir))!, ".cache"), device, Lora: train.GetLora(pr),
                TaskProgress: (label, total) => { bars.Add(new ProgressLine(label, total, "texts")); var bar = bars[^1]; return new Progress<int>(d => bar.Report(d)); },
                Overlap: overlap, OutcomeFloor: pr.GetValue(outcomeFloor), ReferenceFromModel: pr.GetValue(referenceFromModel), WithinExperiments: within);
            ProgressLine? trainBar = null;
            req = req with { Progress = ProgressLine.ForTraining(CausalRun.Name(kind), () => trainBar, b => trainBar = b) };
            var summary = CausalRun.Execute(req, Console.Error);
            trainBar?.Dispose();
            foreach (var b in bars) b.Dispose();
            Console.WriteLine(JsonSerializer.Serialize(summary, new JsonSerializerOptions { WriteIndented = true }));
            return Cli.Ok;
        });
        return cmd;
    }

    /// <summary>A usable --anchor-weight (train and demo), or an input error.</summary>
    internal static double AnchorWeight(double w) => w >= 0 && double.IsFinite(w) ? w
        : throw new InputException($"--anchor-weight must be a number ≥ 0 (got {w}); 0 turns the anchor off");

    public static ObjectiveKind ParseObjective(string s) => s.ToLowerInvariant() switch
    {
        "cpo" => ObjectiveKind.Cpo, "dr-cpo" or "drcpo" => ObjectiveKind.DrCpo, "oo-rlhf" or "oorlhf" => ObjectiveKind.OoRlhf,
        _ => throw new InputException($"unknown --objective '{s}'; use cpo, dr-cpo or oo-rlhf"),
    };
}
