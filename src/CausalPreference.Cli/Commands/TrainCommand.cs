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
        var unlabeled = Cli.Opt<string?>("--unlabeled", "Table of X̃ samples with columns text and logprob (log P^f0, e.g. from `causalpo generate --model F0`), optional prompt");
        var f0 = Cli.Opt<string?>("--f0", "Model to sample X̃ from when --unlabeled is not given (default: --model, the FT model)");
        var outDir = Cli.Opt<string>("--out", "Output folder: the trained model, run.json, training.json, train_log.jsonl", required: true);
        var cache = Cli.Opt<string?>("--cache", "Folder for cached reference scores and X̃ samples (default: .cache beside --out)");
        foreach (var o in new Option[] { model, objective, outcomeModel, unlabeled, f0, outDir, cache }) cmd.Options.Add(o);
        var train = new TrainOptions(cmd, new CausalTrainingOptions());
        var causal = new CausalOptions(cmd, new CausalTrainingOptions());
        Cli.SetAction(cmd, pr =>
        {
            OutputPath.RequireWritableFolder(pr.GetValue(outDir));
            var kind = ParseObjective(pr.GetValue(objective)!);
            var options = causal.Build(pr, train).Validated();
            var device = train.GetDevice(pr);
            var dir = pr.GetValue(outDir)!;
            if (pr.GetValue(train.Force)) TrainLoop.Reset(dir);
            var bars = new List<ProgressLine>();
            ProgressLine? trainBar = null;
            var req = new CausalRunRequest(data.Load(pr), pr.GetValue(model)!, kind, pr.GetValue(outcomeModel), options,
                dir, pr.GetValue(cache) ?? Path.Combine(Path.GetDirectoryName(Path.GetFullPath(dir))!, ".cache"))
            {
                UnlabeledFile = pr.GetValue(unlabeled), F0Path = pr.GetValue(f0), Device = device,
                TaskProgress = (label, total) => { bars.Add(new ProgressLine(label, total, "texts")); var bar = bars[^1]; return new Progress<int>(d => bar.Report(d)); },
                Progress = ProgressLine.ForTraining(CausalRun.Name(kind), () => trainBar, b => trainBar = b),
            };
            var summary = CausalRun.Execute(req, Console.Error);
            trainBar?.Dispose();
            foreach (var b in bars) b.Dispose();
            Console.WriteLine(JsonSerializer.Serialize(summary, CausalRun.RunJson));
            return Cli.Ok;
        });
        return cmd;
    }

    public static ObjectiveKind ParseObjective(string s) => s.ToLowerInvariant() switch
    {
        "cpo" => ObjectiveKind.Cpo, "dr-cpo" or "drcpo" => ObjectiveKind.DrCpo, "oo-rlhf" or "oorlhf" => ObjectiveKind.OoRlhf,
        _ => throw new InputException($"unknown `objective` '{s}'; use cpo, dr-cpo or oo-rlhf"),
    };
}
