using System.CommandLine;
using CausalPreference.Data;
using CausalPreference.IO;
using CausalPreference.Models;

namespace CausalPreference.Cli.Commands;

/// <summary><c>causalpo generate</c>: samples texts with the exact log-density of the sampler used.</summary>
public static class GenerateCommand
{
    public static Command Build()
    {
        var cmd = new Command("generate", "Sample texts from a model, unconditionally (--n) or continuing prompts (--prompts). " +
            "Each row's logprob is the log-density of the sampler actually used (temperature, top-k, top-p included) for the sampled tokens. " +
            "It equals what `score` computes for the same text only with the defaults (pure ancestral sampling), when the sample ended with EOS " +
            "(complete=true) and the text re-encodes to exactly the sampled tokens (canonical=true); otherwise `score` gives the probability of " +
            "the text's own tokenization, with EOS, which differs.");
        var model = Cli.Opt<string>("--model", "Model: a causalpo checkpoint folder or a Hugging Face folder", required: true);
        var n = Cli.Opt("--n", "Number of unconditional samples (or samples per prompt with --prompts)", 0);
        var prompts = Cli.Opt<string?>("--prompts", "Table of prompts to continue");
        var promptCol = Cli.Opt("--prompt-column", "Column of --prompts holding the prompt", "prompt");
        var temperature = Cli.Opt("--temperature", "Sampling temperature", 1.0);
        var topK = Cli.Opt("--top-k", "Keep only the k most likely tokens (0 = off)", 0);
        var topP = Cli.Opt("--top-p", "Nucleus sampling mass (1 = off)", 1.0);
        var maxNew = Cli.Opt("--max-new-tokens", "Most new tokens per sample (the context length bounds it too)", 1 << 20);
        var greedy = Cli.Opt<bool>("--greedy", "Greedy decoding instead of sampling");
        var seed = Cli.Opt("--seed", "Random seed", 1L);
        var outFile = Cli.Opt<string>("--out", "Output CSV with columns prompt,text,logprob,tokens,complete,canonical; '-' for stdout", "-");
        var device = Cli.Opt("--device", "cpu or cuda", "cpu");
        foreach (var o in new Option[] { model, n, prompts, promptCol, temperature, topK, topP, maxNew, greedy, seed, outFile, device }) cmd.Options.Add(o);
        Cli.SetAction(cmd, pr =>
        {
            OutputPath.RequireWritableFile(pr.GetValue(outFile));
            var count = pr.GetValue(n);
            var promptFile = pr.GetValue(prompts);
            if (count < 0) throw new InputException($"--n must be positive (got {count})");
            if (promptFile is null && count == 0) throw new InputException("say what to generate: --n N for N unconditional samples, or --prompts FILE --prompt-column C");
            var list = new List<string?>();
            if (promptFile is null) list.AddRange(Enumerable.Repeat<string?>(null, count));
            else
            {
                var ds = DirectOutcomeDataset.Load(new DatasetSpec(promptFile, pr.GetValue(promptCol)!) { RequireOutcome = false });
                foreach (var r in ds.Rows) for (int k = 0; k < Math.Max(1, count); k++) list.Add(r.Text);
            }
            var settings = new SamplerSettings
            {
                Temperature = pr.GetValue(temperature), TopK = pr.GetValue(topK), TopP = pr.GetValue(topP),
                MaxNewTokens = pr.GetValue(maxNew), Greedy = pr.GetValue(greedy), Seed = pr.GetValue(seed),
            };
            if (!(settings.Temperature > 0)) throw new InputException("--temperature must be positive (use --greedy for argmax decoding)");
            if (!(settings.TopP > 0 && settings.TopP <= 1)) throw new InputException("--top-p must be in (0, 1]");
            if (settings.TopK < 0) throw new InputException("--top-k must be 0 (off) or positive");
            if (settings.MaxNewTokens < 1) throw new InputException($"--max-new-tokens must be at least 1 (got {settings.MaxNewTokens}); a sample needs at least one token");
            using var loaded = Models.LoadedModel.Open(pr.GetValue(model)!, DeviceOption.Parse(pr.GetValue(device)!)); // disposed when done (a large model frees its weights)
            var (m, tok) = loaded;
            using var bar = new ProgressLine("generate", list.Count, "texts");
            var gen = TextGenerator.Generate(m, tok, list, settings, new Progress<int>(d => bar.Report(d)));
            var cols = new[] { "prompt", "text", "logprob", "tokens", "complete", "canonical" };
            Output.WriteTable(pr.GetValue(outFile)!, cols,
                gen.Select(g => (IReadOnlyList<object?>)new object?[] { g.Prompt ?? "", g.Text, g.LogProb, g.Tokens, g.Complete, g.Canonical }));
            int nonCanon = gen.Count(g => !g.Canonical);
            if (nonCanon > 0) Console.Error.WriteLine($"note: {nonCanon} of {gen.Count} samples do not re-encode to the sampled tokens (canonical=false); their score differs from logprob");
            return Cli.Ok;
        });
        return cmd;
    }
}
