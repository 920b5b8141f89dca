using System.CommandLine;
using CausalPreference.Data;
using CausalPreference.IO;
using CausalPreference.Models;

namespace CausalPreference.Cli.Commands;

/// <summary><c>causalpo score</c>: per-row log-likelihood log P(text) (or log P(text | prompt)) under a model.</summary>
public static class ScoreCommand
{
    public static Command Build()
    {
        var cmd = new Command("score", "Write each row's log-likelihood under a model: log P(text), EOS included, or log P(text | prompt) with --prompt-column.");
        var data = new DataOptions(cmd, outcome: false, "Table of texts: .csv, .tsv, .jsonl or .parquet");
        var model = Cli.Opt<string>("--model", "Model: a causalpo checkpoint folder or a Hugging Face folder", required: true);
        var outFile = Cli.Opt<string>("--out", "Output CSV (row,text,[prompt],logprob,tokens,truncated); '-' for stdout", "-");
        var batch = Cli.Opt("--batch-size", "Texts per forward pass", 32);
        var device = Cli.Opt("--device", "cpu or cuda", "cpu");
        cmd.Options.Add(model); cmd.Options.Add(outFile); cmd.Options.Add(batch); cmd.Options.Add(device);
        Cli.SetAction(cmd, pr =>
        {
            if (pr.GetValue(batch) < 1) throw new InputException($"--batch-size must be at least 1 (got {pr.GetValue(batch)})");
            OutputPath.RequireWritableFile(pr.GetValue(outFile)); // before any work: never compute everything and then fail to write
            var ds = data.Load(pr);
            using var loaded = Models.LoadedModel.Open(pr.GetValue(model)!, DeviceOption.Parse(pr.GetValue(device)!)); // disposed when done (a large model frees its weights)
            var (m, tok) = loaded;
            var texts = ds.Rows.Select(r => r.Text).ToArray();
            var prompts = ds.Spec.PromptColumn is null ? null : ds.Rows.Select(r => r.Prompt).ToArray();
            using var bar = new ProgressLine("score", texts.Length, "texts");
            var lp = SequenceScorer.Score(m, tok, texts, prompts, pr.GetValue(batch), new Progress<int>(d => bar.Report(d)));
            var cols = new List<string> { "row", "text" };
            if (prompts != null) cols.Add("prompt");
            cols.AddRange(new[] { "logprob", "tokens", "truncated" });
            var rows = ds.Rows.Select((r, i) =>
            {
                int ntok = tok.Encode(r.Text).Length + 1;
                int plen = prompts is null || r.Prompt is null ? 0 : tok.Encode(r.Prompt).Length;
                bool trunc = 1 + plen + ntok > m.Config.ContextLength;
                var row = new List<object?> { r.SourceRow, r.Text };
                if (prompts != null) row.Add(r.Prompt);
                row.AddRange(new object?[] { lp[i], trunc ? Math.Max(0, m.Config.ContextLength - 1 - plen) : ntok, trunc });
                return (IReadOnlyList<object?>)row;
            });
            Output.WriteTable(pr.GetValue(outFile)!, cols, rows);
            return Cli.Ok;
        });
        return cmd;
    }
}
