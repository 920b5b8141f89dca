using System.CommandLine;
using CausalPreference.Evaluation.Judging;
using CausalPreference.IO;
using CausalPreference.Reporting;
using Spectre.Console;

namespace CausalPreference.Cli.Commands;

/// <summary>
/// <c>causalpo judge</c>: pairwise evaluation of method texts (A.csv) against baseline texts (B.csv), row by row, by an
/// LLM judge (any OpenAI-compatible endpoint) or an outcome model; writes judgments, the win rate with its 95% CI, and a plot.
/// </summary>
public static class JudgeCommand
{
    public static Command Build()
    {
        var a = Cli.Opt<string>("--a", "CSV of the method's texts (one row per prompt).", required: true);
        var b = Cli.Opt<string>("--b", "CSV of the baseline's texts, paired with --a by row order.", required: true);
        var textColumn = Cli.Opt("--text-column", "Column holding the texts in both files.", "text");
        var promptColumn = Cli.Opt<string>("--prompt-column", "Optional column holding the prompt; must agree between the files. Shown to the judge only by templates using {PROMPT}.");
        var judgeKind = Cli.Opt("--judge", "openai (any OpenAI-compatible chat endpoint) or outcome-model.", "openai");
        var outcomeModel = Cli.Opt<string>("--outcome-model", "Folder of a fitted outcome model (for --judge outcome-model).");
        var higher = Cli.Opt<bool>("--higher-is-better", "For --judge outcome-model: the text with the larger predicted outcome wins.");
        var lower = Cli.Opt<bool>("--lower-is-better", "For --judge outcome-model: the text with the smaller predicted outcome wins (e.g. toxicity).");
        var url = Cli.Opt<string>("--url", $"Base URL of the chat API (requests go to URL/chat/completions); default ${OpenAiJudgeOptions.UrlVariable} or {OpenAiJudgeOptions.DefaultBaseUrl}.");
        var model = Cli.Opt<string>("--model", $"Judge model id; default ${OpenAiJudgeOptions.ModelVariable} (the paper used {OpenAiJudgeOptions.PaperModel}).");
        var apiKeyEnv = Cli.Opt<string>("--api-key-env", $"Environment variable holding the API key; default ${OpenAiJudgeOptions.KeyVariable}, then ${OpenAiJudgeOptions.OpenAiKeyVariable}.");
        var template = Cli.Opt<string>("--template", "Judge prompt: hate-speech, hong-kong (the paper's, verbatim) or a file with {A} {B} [{PROMPT}].");
        var temperature = Cli.Opt<double?>("--temperature", "Sampling temperature sent to the judge (default: none sent, as in the paper).");
        var concurrency = Cli.Opt("--concurrency", "Requests in flight at once.", 4);
        var maxAttempts = Cli.Opt("--max-attempts", "Attempts per pair on 429/5xx/timeouts, with exponential backoff.", 5);
        var timeout = Cli.Opt("--timeout", "Seconds to wait for one answer.", 120.0);
        var seed = Cli.Opt("--seed", "Seed of the balanced A/B shuffle (the paper's 231218).", PairwiseEvaluation.DefaultSeed);
        var methodName = Cli.Opt<string>("--method-name", "Name of the method in reports (default: the --a file name).");
        var baselineName = Cli.Opt<string>("--baseline-name", "Name of the baseline in reports (default: the --b file name).");
        var outDir = Cli.Opt<string>("--out", "Output folder: judgments.jsonl, winrate.json, winrate.png and the resumable judge-cache.jsonl.", required: true);

        var cmd = new Command("judge", "Judge method texts against baseline texts pairwise and report the method's win rate with a 95% CI.");
        foreach (var o in new Option[] { a, b, textColumn, promptColumn, judgeKind, outcomeModel, higher, lower, url, model, apiKeyEnv, template, temperature,
                                         concurrency, maxAttempts, timeout, seed, methodName, baselineName, outDir })
            cmd.Options.Add(o);

        Cli.SetAction(cmd, pr =>
        {
            string aPath = pr.GetValue(a)!, bPath = pr.GetValue(b)!, dir = pr.GetValue(outDir)!;
            OutputPath.RequireWritableFolder(dir);
            int conc = pr.GetValue(concurrency);
            if (conc < 1) throw new InputException($"--concurrency must be at least 1 (got {conc}).");
            var items = PairedTexts.Load(aPath, bPath, pr.GetValue(textColumn) ?? "text", pr.GetValue(promptColumn));

            IPairJudge judge;
            var runLabels = new Dictionary<string, string>();
            var kind = (pr.GetValue(judgeKind) ?? "openai").Trim().ToLowerInvariant();
            if (kind == "outcome-model")
            {
                var modelDir = pr.GetValue(outcomeModel) ?? throw new InputException("the outcome-model judge needs --outcome-model DIR (a fitted outcome model).");
                bool hi = pr.GetValue(higher), lo = pr.GetValue(lower);
                if (hi == lo) throw new InputException("the outcome-model judge needs the direction: --higher-is-better or --lower-is-better (exactly one)");
                var g = CausalPreference.Outcome.OutcomeModels.Load(modelDir);
                judge = new OutcomeModelJudge(texts => g.Predict(texts), hi, $"outcome-model:{g.Kind}:{Path.GetFullPath(modelDir)}");
                runLabels["outcome_model"] = modelDir;
            }
            else if (kind == "openai")
            {
                var templateArg = pr.GetValue(template)
                    ?? throw new InputException("choose the judge prompt with --template hate-speech, hong-kong (the paper's prompts) or a template file.");
                var options = new OpenAiJudgeOptions
                {
                    BaseUrl = pr.GetValue(url),
                    Model = pr.GetValue(model),
                    Template = JudgeTemplates.Resolve(templateArg),
                    Temperature = pr.GetValue(temperature),
                    Concurrency = conc,
                    MaxAttempts = pr.GetValue(maxAttempts),
                    RequestTimeout = TimeSpan.FromSeconds(pr.GetValue(timeout)),
                }.WithEnvironment(pr.GetValue(apiKeyEnv));
                judge = new OpenAiChatJudge(options);
                runLabels["template"] = templateArg;
                runLabels["judge_url"] = options.BaseUrl!;
            }
            else throw new InputException($"unknown judge '{kind}'. Use --judge openai or --judge outcome-model.");

            using var cts = new CancellationTokenSource();
            ConsoleCancelEventHandler onCancel = (_, e) => { e.Cancel = true; cts.Cancel(); };
            Console.CancelKeyPress += onCancel;
            PairwiseResult result;
            try
            {
                int step = Math.Max(1, items.Count / 20);
                var progress = new Progress<PairwiseProgress>(p =>
                {
                    if (p.Completed % step == 0 || p.Completed == p.Total)
                        Console.Error.WriteLine($"judged {p.Completed}/{p.Total} (from cache {p.FromCache}, invalid {p.Invalid})");
                });
                result = PairwiseEvaluation.RunAsync(judge, items, pr.GetValue(seed), Path.Combine(dir, "judge-cache.jsonl"), progress, conc, cts.Token)
                    .GetAwaiter().GetResult();
            }
            catch (OperationCanceledException)
            {
                Console.Error.WriteLine($"cancelled; judgments made so far are kept in {Path.Combine(dir, "judge-cache.jsonl")} and a rerun resumes from them.");
                throw;
            }
            finally
            {
                Console.CancelKeyPress -= onCancel;
                (judge as IDisposable)?.Dispose();
            }

            string mName = pr.GetValue(methodName) ?? Path.GetFileNameWithoutExtension(aPath);
            string bName = pr.GetValue(baselineName) ?? Path.GetFileNameWithoutExtension(bPath);
            result.WriteJudgmentsJsonl(Path.Combine(dir, "judgments.jsonl"));
            runLabels["method"] = mName; runLabels["baseline"] = bName; runLabels["method_file"] = aPath; runLabels["baseline_file"] = bPath;
            result.WriteSummaryJson(Path.Combine(dir, "winrate.json"), runLabels);
            Plots.WinRateBars([WinRateRow.From(mName, bName, result.WinRate)], Path.Combine(dir, "winrate.png"), $"{mName} vs {bName} ({result.Judge})");

            var w = result.WinRate;
            var table = new Table().AddColumns("method", "baseline", "win rate", "95% CI", "significant", "valid", "invalid", "from cache");
            string[] cells =
            [
                mName, bName,
                double.IsFinite(w.Rate) ? w.Rate.ToString("0.000", System.Globalization.CultureInfo.InvariantCulture) : "n/a",
                double.IsFinite(w.Lower) ? FormattableString.Invariant($"[{w.Lower:0.000}, {w.Upper:0.000}]") : "n/a",
                w.Significant ? (w.Rate > 0.5 ? "yes (method better)" : "yes (baseline better)") : "no",
                w.Valid.ToString(), w.Invalid.ToString(), result.FromCache.ToString(),
            ];
            table.AddRow(cells.Select(Markup.Escape).ToArray());
            AnsiConsole.Write(table);
            Console.WriteLine($"wrote {Path.Combine(dir, "winrate.json")}, judgments.jsonl, winrate.png");
            return Cli.Ok;
        });
        return cmd;
    }
}
