using System.CommandLine;
using System.Globalization;
using CausalPreference.Causal;
using CausalPreference.Evaluation.OffPolicy;
using CausalPreference.IO;
using CausalPreference.Reporting;
using Spectre.Console;

namespace CausalPreference.Cli.Commands;

/// <summary>
/// <c>causalpo evaluate</c>: off-policy value of each model on held-out direct-outcome data with every estimator
/// (IPW, SNIPW, DM, DR, SNDR), 95% intervals, weight diagnostics, and each model's difference to a baseline.
/// </summary>
public static class EvaluateCommand
{
    public static Command Build()
    {
        var cmd = new Command("evaluate", "Estimate each model's value on held-out direct-outcome data (IPW, SNIPW, DM, DR, SNDR with 95% CIs, ESS and weight diagnostics) " +
            "and its difference to a baseline model; writes evaluation.json, evaluation.md and values.png.");
        var data = new DataOptions(cmd, outcome: true, "Held-out direct-outcome table (rows logged under P^R, not used for training): .csv, .tsv, .jsonl or .parquet");
        var models = new Option<string[]>("--models") { Description = "Models to evaluate: causalpo checkpoint or Hugging Face folders, or llama2.c .bin checkpoints", Required = true, AllowMultipleArgumentsPerToken = true, Arity = ArgumentArity.OneOrMore };
        var names = new Option<string[]>("--names") { Description = "Display names, one per model (default: the folder names)", AllowMultipleArgumentsPerToken = true, Arity = ArgumentArity.OneOrMore };
        var baseline = Cli.Opt<string?>("--baseline", "Name of the model the others are compared with (default: the first)");
        var loggingModel = Cli.Opt<string?>("--logging-model", "FT model folder whose log-probabilities estimate log P̂^R(X_i) when the data has no --log-propensity-column");
        var outcomeModel = Cli.Opt<string?>("--outcome-model", "Saved outcome model folder for DM/DR (default: the lexical model cross-fitted on the held-out rows)");
        var policySamples = Cli.Opt("--policy-samples", "Texts sampled from each model for DM/DR's E_f[ĝ] (0 skips DM, DR, SNDR)", 500);
        var maxNew = Cli.Opt<int?>("--max-new-tokens", "Most new tokens per policy sample (default: twice the longest held-out text's tokens)");
        var temperature = Cli.Opt("--temperature", "Sampling temperature of the policy samples (not 1: DM/DR/SNDR value that sampler, not the model)", 1.0);
        var topK = Cli.Opt("--top-k", "Keep only the k most likely tokens when sampling (0 = off; see --temperature)", 0);
        var topP = Cli.Opt("--top-p", "Nucleus sampling mass (1 = off; see --temperature)", 1.0);
        var ci = Cli.Opt("--ci", "Interval method: influence (influence function, default) or bootstrap", "influence");
        var resamples = Cli.Opt("--bootstrap-resamples", "Bootstrap resamples (with --ci bootstrap)", 1000);
        var maxWeight = Cli.Opt<double?>("--max-weight", "Clip importance ratios P^f/P^R at this value (biased; off by default; the clipped count is reported)");
        var minEss = Cli.Opt("--min-ess-fraction", "ESS/n below which overlap is called poor (warning, or refusal with --refuse-poor-overlap)", 0.10);
        var refuse = Cli.Opt<bool>("--refuse-poor-overlap", "Fail instead of reporting estimates when a model's ESS fraction is below --min-ess-fraction");
        var folds = Cli.Opt("--folds", "Cross-fitting folds of the default outcome model", 5);
        var seed = Cli.Opt("--seed", "Seed of the policy samples, the fold assignment and the bootstrap", 1L);
        var cache = Cli.Opt<string?>("--cache", "Cache folder for scores and samples (default: OUT/.cache)");
        var device = Cli.Opt("--device", "cpu or cuda", "cpu");
        var outDir = Cli.Opt<string>("--out", "Output folder", required: true);
        foreach (var o in new Option[] { models, names, baseline, loggingModel, outcomeModel, policySamples, maxNew, temperature, topK, topP, ci, resamples, maxWeight, minEss, refuse, folds, seed, cache, device, outDir })
            cmd.Options.Add(o);

        Cli.SetAction(cmd, pr =>
        {
            OutputPath.RequireWritableFolder(pr.GetValue(outDir));
            OutputPath.RequireWritableFolder(pr.GetValue(cache), "--cache");
            var method = (pr.GetValue(ci) ?? "influence").Trim().ToLowerInvariant() switch
            {
                "influence" or "influence-function" or "if" => CiMethod.InfluenceFunction,
                "bootstrap" => CiMethod.Bootstrap,
                var other => throw new InputException($"unknown --ci '{other}'; use influence or bootstrap"),
            };
            if (pr.GetValue(maxWeight) is double mw && !(mw > 0)) throw new InputException($"--max-weight must be positive (got {mw})");
            double minFrac = pr.GetValue(minEss);
            if (!(minFrac >= 0 && minFrac <= 1)) throw new InputException($"--min-ess-fraction must lie in [0, 1] (got {minFrac})");
            if (method == CiMethod.Bootstrap && pr.GetValue(resamples) < 2) throw new InputException("--bootstrap-resamples must be at least 2");
            if (pr.GetValue(folds) < 2) throw new InputException("--folds must be at least 2");
            if (pr.GetValue(maxNew) is int mn && mn < 1) throw new InputException($"--max-new-tokens must be at least 1 (got {mn})");
            if (!(pr.GetValue(temperature) > 0) || !double.IsFinite(pr.GetValue(temperature))) throw new InputException($"--temperature must be a positive number (got {pr.GetValue(temperature)})");
            if (pr.GetValue(topK) < 0) throw new InputException($"--top-k must be 0 (off) or positive (got {pr.GetValue(topK)})");
            if (!(pr.GetValue(topP) > 0 && pr.GetValue(topP) <= 1)) throw new InputException($"--top-p must lie in (0, 1] (got {pr.GetValue(topP)})");
            var sampling = pr.GetValue(maxNew) is null && pr.GetValue(temperature) == 1.0 && pr.GetValue(topK) == 0 && pr.GetValue(topP) >= 1.0 ? null
                : new Models.SamplerSettings { MaxNewTokens = pr.GetValue(maxNew) ?? (1 << 20), Temperature = pr.GetValue(temperature), TopK = pr.GetValue(topK), TopP = pr.GetValue(topP) };
            if (sampling is { IsAncestral: false })
                Console.Error.WriteLine("note: with --temperature/--top-k/--top-p the policy samples come from a modified sampler; DM, DR and SNDR value that sampler, not the model itself");
            var paths = pr.GetValue(models)!;
            foreach (var p in paths)
                if (!File.Exists(p) && !Directory.Exists(p))
                    throw new InputException("model folder not found; give a checkpoint folder written by causalpo (e.g. a train --out folder) or a Hugging Face folder", p);
            var ds = data.Load(pr);
            string dir = pr.GetValue(outDir)!;
            long s = pr.GetValue(seed);
            var request = new PolicyEvaluationRequest(ds, paths, pr.GetValue(names), pr.GetValue(baseline), pr.GetValue(loggingModel), pr.GetValue(outcomeModel),
                pr.GetValue(policySamples),
                new EstimateOptions(pr.GetValue(maxWeight), false, minFrac, method, pr.GetValue(resamples), (int)(s % int.MaxValue)),
                pr.GetValue(refuse), pr.GetValue(cache) ?? Path.Combine(dir, ".cache"), pr.GetValue(folds), s, DeviceOption.Parse(pr.GetValue(device)!), sampling);
            var result = PolicyEvaluation.Run(request, Console.Error);
            PolicyEvaluationMarkdown.WriteAll(result, dir);
            Print(result);
            Console.WriteLine($"wrote {Path.Combine(dir, PolicyEvaluationJson.FileName)}, evaluation.md, values.png");
            return Cli.Ok;
        });
        return cmd;
    }

    static void Print(PolicyEvaluationResult r)
    {
        if (Console.IsOutputRedirected) AnsiConsole.Profile.Width = 200;
        var fmt = r.Format; // computed once: one number format for the whole printout
        var estimators = r.Models[0].Estimates.Select(e => e.Estimator).ToList();
        var table = new Table().Title(Markup.Escape($"Estimated value: {r.Outcome} ({(r.HigherIsBetter ? "higher" : "lower")} is better), 95% CI"));
        table.AddColumn("model");
        foreach (var e in estimators) table.AddColumn(e);
        table.AddColumn("ESS/n");
        foreach (var m in r.Models)
        {
            var cells = new List<string> { m.Name };
            cells.AddRange(m.Estimates.Select(e => Cell(e, false, fmt)));
            cells.Add(double.IsFinite(m.Weights.EssFraction) ? m.Weights.EssFraction.ToString("0.0%", CultureInfo.InvariantCulture) : "–");
            table.AddRow(cells.Select(Markup.Escape).ToArray());
        }
        AnsiConsole.Write(table);
        var others = r.Models.Where(m => m.DifferenceToBaseline != null).ToList();
        if (others.Count > 0)
        {
            var diff = new Table().Title(Markup.Escape($"Difference to {r.Baseline} (paired; * = CI excludes 0)"));
            diff.AddColumn("model");
            foreach (var e in estimators) diff.AddColumn(e);
            foreach (var m in others)
                diff.AddRow(new[] { m.Name }.Concat(m.DifferenceToBaseline!.Select(e => Cell(e, true, fmt))).Select(Markup.Escape).ToArray());
            AnsiConsole.Write(diff);
        }
        foreach (var v in r.Verdicts) Console.WriteLine("verdict: " + v.Line(fmt));
        foreach (var w in r.Warnings) Console.Error.WriteLine($"warning: {w}");
    }

    static string Cell(EstimatorResult e, bool signed, NumberFormat fmt) => PolicyEvaluationMarkdown.Interval(e, signed, fmt);
}
