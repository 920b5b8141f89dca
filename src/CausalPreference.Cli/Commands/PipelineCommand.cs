using System.CommandLine;
using CausalPreference.IO;
using CausalPreference.Pipeline;

namespace CausalPreference.Cli.Commands;

/// <summary><c>causalpo pipeline --config FILE.json</c>: the whole experiment from one config, resumable stage by stage.</summary>
public static class PipelineCommand
{
    public static Command Build()
    {
        var cmd = new Command("pipeline", "Run a whole experiment from one JSON config: prepare data → FT → outcome models → reference table → X̃ → " +
            "CPO / DR-CPO / OO-RLHF → generate → evaluate (value estimates with CIs on held-out rows) → judge → report (results.md, results.json, PNGs). " +
            "Each stage is skipped when its fingerprinted output exists, so an interrupted run resumes. Examples: configs/*.json.");
        var config = Cli.Opt<string>("--config", "The pipeline config (JSON; see configs/ and docs/results.md)", required: true);
        var outDir = Cli.Opt<string?>("--out", "Output folder (overrides the config's \"out\")");
        var study = Cli.Opt<string?>("--study", "standard or confounding (overrides the config's \"study\"; confounding = the paper's Table 4)");
        foreach (var o in new Option[] { config, outDir, study }) cmd.Options.Add(o);
        Cli.SetAction(cmd, pr =>
        {
            var c = PipelineConfig.Load(pr.GetValue(config)!);
            if (pr.GetValue(study) is { } s)
            {
                if (s is not ("standard" or "confounding")) throw new InputException($"unknown --study '{s}'; use standard or confounding");
                c = c with { Study = s };
                if (c.IsConfoundingStudy && c.Data.Source == "file" && c.Data.Confounded == "world")
                    throw new InputException("--study confounding with data.confounded \"world\" needs the built-in world");
            }
            OutputPath.RequireWritableFolder(pr.GetValue(outDir) ?? c.Out, pr.GetValue(outDir) is null ? "the config's \"out\"" : "--out");
            ProgressLine? bar = null;
            var r = PipelineRunner.Run(c, Console.Error, pr.GetValue(outDir), name => { bar?.Dispose(); bar = null; return ProgressLine.ForTraining(name, () => bar, b => bar = b); });
            bar?.Dispose();
            Console.WriteLine(r.Report is { } report ? PipelineRunner.Markdown(report) : Demo.Markdown(r.Truth!));
            Console.WriteLine($"stages run: {(r.StagesRun.Count == 0 ? "none" : string.Join(", ", r.StagesRun))}; skipped (up to date): {(r.StagesSkipped.Count == 0 ? "none" : string.Join(", ", r.StagesSkipped))}");
            var stem = PipelineRunner.ReportStem(c);
            Console.WriteLine($"results: {Path.Combine(r.OutDir, stem + ".md")}, {Path.Combine(r.OutDir, stem + ".json")}, PNGs in {r.OutDir}");
            return Cli.Ok;
        });
        return cmd;
    }
}
