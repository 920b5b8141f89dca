using System.CommandLine;
using CausalPreference.Pipeline;
using Spectre.Console;

namespace CausalPreference.Cli.Commands;

/// <summary><c>causalpo demo</c>: the embedded default, end to end on a built-in world with known truth.</summary>
public static class DemoCommand
{
    public static Command Build()
    {
        var cmd = new Command("demo", "Run everything on a built-in world with known truth (no download): simulate randomized and confounded data, " +
            "FT a tiny model, train CPO, DR-CPO, OO-RLHF (and the latter two with a confounded outcome model), and measure each model's TRUE value with a 95% CI.");
        var outDir = Cli.Opt("--out", "Output folder", "runs/demo");
        var seed = Cli.Opt("--seed", "Seed of the world's data, the models and the sampling", 1);
        var quick = Cli.Opt<bool>("--quick", "A smaller, faster run (for CI)");
        var rows = Cli.Opt("--rows", "Randomized rows to simulate (0 = default)", 0);
        var lr = Cli.Opt("--lr", "Learning rate of the causal objectives (0 = default)", 0.0);
        var epochs = Cli.Opt("--epochs", "Epochs of the causal objectives (0 = default)", 0);
        var batch = Cli.Opt("--batch-size", "Batch size (= self-normalization scope) of the causal objectives (0 = default)", 0);
        var anchor = Cli.Opt("--anchor-weight", "λ of the likelihood anchor (not in the paper): the adaptive anchor's starting value (0 = its default, 1), or with --paper-exact a fixed λ (0 = off)", 0.0);
        var paperExact = Cli.Opt<bool>("--paper-exact", "The paper's exact objectives: no adaptive anchor, best epoch by the validation V̂ (the policy may leave the data's support and break its grammar)");
        foreach (var o in new Option[] { outDir, seed, quick, rows, lr, epochs, batch, anchor, paperExact }) cmd.Options.Add(o);
        Cli.SetAction(cmd, pr =>
        {
            var dir = pr.GetValue(outDir)!;
            CausalPreference.IO.OutputPath.RequireWritableFolder(dir);
            var o = pr.GetValue(quick) ? DemoOptions.Quick(dir, pr.GetValue(seed)) : new DemoOptions { OutDir = dir, Seed = pr.GetValue(seed) };
            if (pr.GetValue(rows) > 0) o = o with { Rows = pr.GetValue(rows) };
            if (pr.GetValue(lr) > 0) o = o with { LearningRate = pr.GetValue(lr) };
            if (pr.GetValue(epochs) > 0) o = o with { Epochs = pr.GetValue(epochs) };
            if (pr.GetValue(batch) > 0) o = o with { BatchSize = pr.GetValue(batch) };
            o = o with { AnchorWeight = new Training.CausalTrainingOptions { AnchorWeight = pr.GetValue(anchor) }.Validated().AnchorWeight, PaperExact = pr.GetValue(paperExact) };
            ProgressLine? bar = null;
            var r = Demo.Run(o, Console.Error, name => { bar?.Dispose(); bar = null; return ProgressLine.ForTraining(name, () => bar, b => bar = b); });
            bar?.Dispose();
            if (Console.IsOutputRedirected) AnsiConsole.Profile.Width = 160;
            var table = new Table().Title(Markup.Escape($"True value of each model (seed {r.Seed}; randomization {r.ValueUnderRandomization:F3}, best {r.BestPossibleValue:F3})"));
            foreach (var c in new[] { "model", "outcome model ĝ", "true value", "95% CI", "grammatical", "of grammatical", "phrase-sum", "true Δ", "certified Δ ≥", "val. ESS", "seconds" }) table.AddColumn(c);
            foreach (var m in r.Models)
                table.AddRow(Markup.Escape(m.Name), Markup.Escape(m.OutcomeModel), m.TrueValue.ToString("F3"), Markup.Escape($"[{m.CiLow:F3}, {m.CiHigh:F3}]"),
                    Markup.Escape(m.FractionGrammatical.ToString("P0")), m.GrammaticalValue?.ToString("F3") ?? "–", m.PhraseSumValue.ToString("F3"), m.Name == "FT" ? "–" : m.TrueImprovement.ToString("+0.000;-0.000"),
                    Markup.Escape(m.Certificate?.Cell ?? "–"),
                    Markup.Escape(m.ValidationEssFraction?.ToString("P0") ?? "–"), m.Seconds.ToString("F0"));
            AnsiConsole.Write(table);
            foreach (var m in r.Models.Where(m => m.Name != "FT")) Console.WriteLine($"{m.Name}: {m.Certified}");
            foreach (var m in r.Models.Where(m => m.Alarms is { Count: > 0 }))
                foreach (var a in m.Alarms!) Console.WriteLine($"ALARM ({m.Name}): {a}");
            Console.WriteLine($"results: {Path.Combine(dir, "results.json")}, {Path.Combine(dir, "results.md")}, {Path.Combine(dir, "true_values.png")} ({r.TotalSeconds:F0} s)");
            return Cli.Ok;
        });
        return cmd;
    }
}
