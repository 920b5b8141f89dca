using System.CommandLine;
using System.Text.Json;
using CausalPreference.Data;
using CausalPreference.IO;
using CausalPreference.Outcome;

namespace CausalPreference.Cli.Commands;

/// <summary><c>causalpo outcome-model</c>: fit ĝ with K-fold cross-fitting; report held-out R² (AUC for binary outcomes).</summary>
public static class OutcomeModelCommand
{
    public static Command Build()
    {
        var cmd = new Command("outcome-model", "Fit an outcome model ĝ(x) ≈ E[Y | X = x] with K-fold cross-fitting: out-of-fold predictions for every row " +
            "(oof.csv), held-out R² (AUC and log-loss for 0/1 outcomes), and the model fit on all rows (outcome_model.json) for DR-CPO / OO-RLHF / judging.");
        var data = new DataOptions(cmd, outcome: true);
        var kind = Cli.Opt("--kind", "lexical (linear model on word presence, as the paper's Empath model) or lm-head (linear head on a language model's pooled hidden state)", "lexical");
        var lm = Cli.Opt<string?>("--model", "Language model for --kind lm-head (e.g. the FT model)");
        var folds = Cli.Opt("--folds", "Cross-fitting folds (groups stay within one fold)", 5);
        var l2 = Cli.Opt("--l2", "L2 penalty", 1.0);
        var bigrams = Cli.Opt<bool>("--bigrams", "Add word bigrams to the lexical features");
        var negate = Cli.Opt<bool>("--negate-outcome", "Fit on −Y (the paper's 'Confounded' outcome model, for the confounding study)");
        var seed = Cli.Opt("--seed", "Fold assignment seed", 0);
        var outDir = Cli.Opt<string>("--out", "Output folder", required: true);
        foreach (var o in new Option[] { kind, lm, folds, l2, bigrams, negate, seed, outDir }) cmd.Options.Add(o);
        Cli.SetAction(cmd, pr =>
        {
            OutputPath.RequireWritableFolder(pr.GetValue(outDir));
            var ds = data.Load(pr);
            bool binary = ds.Kind == OutcomeKind.Binary;
            bool neg = pr.GetValue(negate);
            if (neg && binary) throw new InputException("--negate-outcome needs a continuous outcome; a 0/1 outcome negated is no longer 0/1 (use --outcome-kind continuous)");
            Func<IOutcomeModel> factory = pr.GetValue(kind) switch
            {
                "lexical" => () => new LexicalLinearModel(new LexicalLinearOptions { Binary = binary, Bigrams = pr.GetValue(bigrams), L2 = pr.GetValue(l2) }),
                "lm-head" => () => new LmHeadOutcomeModel(pr.GetValue(lm) ?? throw new InputException("--kind lm-head needs --model (a language model folder)"), binary, pr.GetValue(l2)),
                var k => throw new InputException($"unknown --kind '{k}'; use lexical or lm-head"),
            };
            var texts = ds.Rows.Select(r => r.Text).ToArray();
            var y = ds.Rows.Select(r => neg ? -r.Outcome : r.Outcome).ToArray();
            var groups = ds.Spec.GroupColumn is null ? null : ds.Rows.Select(r => r.Group).ToArray();
            var cf = CrossFit.OutOfFold(factory, texts, y, pr.GetValue(folds), pr.GetValue(seed), groups, ds.Rows.Select(r => r.Weight).ToArray());
            var dir = pr.GetValue(outDir)!;
            var metrics = new { kind = cf.FinalModel.Kind, rows = texts.Length, folds = cf.Folds, negated = neg, r2 = cf.R2, rmse = cf.Rmse, auc = cf.Auc, log_loss = cf.LogLoss };
            // oof.csv, metrics.json and outcome_model.json appear together or not at all; the model (what readers load) comes last.
            OutputSet.WriteTogether([Path.Combine(dir, "oof.csv"), Path.Combine(dir, "metrics.json"), Path.Combine(dir, OutcomeModels.FileName)], () =>
            {
                TableWriter.Write(Path.Combine(dir, "oof.csv"), new[] { "row", "outcome", "prediction", "fold" },
                    ds.Rows.Select((r, i) => (IReadOnlyList<object?>)new object?[] { r.SourceRow, y[i], cf.OutOfFold[i], cf.Fold[i] }));
                AtomicFile.WriteAllText(Path.Combine(dir, "metrics.json"), JsonSerializer.Serialize(metrics, new JsonSerializerOptions { WriteIndented = true }));
                cf.FinalModel.Save(dir);
            });
            Console.WriteLine($"{cf.FinalModel.Kind}: out-of-fold R² {cf.R2:F4}, RMSE {cf.Rmse:F4}" + (cf.Auc is double auc ? $", AUC {auc:F4}, log-loss {cf.LogLoss:F4}" : "") +
                              $" ({cf.Folds} folds, {texts.Length} rows); saved to {dir}");
            return Cli.Ok;
        });
        return cmd;
    }
}
