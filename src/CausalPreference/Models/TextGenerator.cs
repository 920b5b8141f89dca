using CausalPreference.Text;
using TorchSharp;
using static TorchSharp.torch;

namespace CausalPreference.Models;

/// <summary>Sampler settings. Temperature 1 with no top-k/top-p is pure ancestral sampling: the sample's density is the model's.</summary>
public sealed record SamplerSettings
{
    /// <summary>Logits are divided by it before sampling; must be positive (1 = the model's own distribution). Ignored when <see cref="Greedy"/>.</summary>
    public double Temperature { get; init; } = 1.0;
    /// <summary>0 = no top-k truncation.</summary>
    public int TopK { get; init; }
    /// <summary>1 = no nucleus truncation.</summary>
    public double TopP { get; init; } = 1.0;
    /// <summary>Upper bound on new tokens (EOS included); the context length bounds it too.</summary>
    public int MaxNewTokens { get; init; } = 1 << 20;
    /// <summary>0 = greedy (argmax) decoding; the reported logprob is then the model's log-probability of the chosen tokens.</summary>
    public bool Greedy { get; init; }
    /// <summary>Seed of the sampler's random numbers, drawn on the CPU, so a seed gives the same samples on every device.</summary>
    public long Seed { get; init; } = 1;
    /// <summary>Added to a run's seed for the samples that measure each model (the demo's, the pipeline's and refutation's
    /// evaluation), so that every model is sampled with the same random numbers, apart from those of training.</summary>
    public const long EvaluationSeedOffset = 10_000;
    /// <summary>Most texts sampled in one forward pass (texts of one batch share a prompt length).</summary>
    public int BatchSize { get; init; } = 32;

    /// <summary>True when the sampler's density equals the model's own density (so <c>score</c> reproduces <c>logprob</c>).</summary>
    public bool IsAncestral => !Greedy && Temperature == 1.0 && TopK == 0 && TopP >= 1.0;
}

/// <summary>One generated text. <see cref="LogProb"/> is the log-density of the sampler that drew it (its temperature,
/// top-k and top-p included), summed over the generated tokens and the EOS when one was drawn.
/// <see cref="Canonical"/> is false when re-encoding <see cref="Text"/> does not give back the sampled tokens
/// (e.g. a byte model produced invalid UTF-8, or BPE produced a non-canonical split): scoring the text then
/// measures a different token sequence than the one drawn.</summary>
public sealed record GeneratedText(string? Prompt, string Text, double LogProb, int Tokens, bool Complete, bool Canonical = true);

/// <summary>Autoregressive sampling with a KV cache, in batches of prompts of equal token length.</summary>
public static class TextGenerator
{
    /// <summary>
    /// Samples one continuation per prompt, in input order. A null or empty prompt samples an unconditional text (BOS only).
    /// Each text ends at EOS, after <see cref="SamplerSettings.MaxNewTokens"/>, or when the context is full
    /// (<see cref="GeneratedText.Complete"/> false for the last two). The model is put in eval mode while sampling and restored
    /// afterwards. <paramref name="progress"/> receives the number of texts done; <paramref name="ct"/> is checked between
    /// batches. Throws <see cref="ArgumentException"/> for a temperature ≤ 0 or a top-p outside (0, 1].
    /// </summary>
    public static IReadOnlyList<GeneratedText> Generate(CausalLM model, ITokenizer tok, IReadOnlyList<string?> prompts,
        SamplerSettings settings, IProgress<int>? progress = null, CancellationToken ct = default)
    {
        if (settings.Temperature <= 0) throw new ArgumentException("temperature must be positive (use greedy decoding instead)");
        if (settings.TopP <= 0 || settings.TopP > 1) throw new ArgumentException("top-p must be in (0, 1]");
        var results = new GeneratedText?[prompts.Count];
        var encoded = prompts.Select(p => p is { Length: > 0 } ? tok.Encode(p) : Array.Empty<int>()).ToArray();
        // TorchSharp 0.107 creates every Generator on the CPU whatever device it is given (its native THSGenerator_new
        // ignores the device), and libtorch's CUDA sampler refuses a CPU generator; so sampling draws on the CPU (Pick),
        // which also makes a seed give the same draws on every device.
        var gen = new torch.Generator((ulong)settings.Seed, CPU);
        bool wasTraining = model.training;
        model.eval();
        int done = 0;
        try
        {
            using var _ = no_grad();
            // group rows by prompt length so a batch shares positions; keep input order within groups (deterministic)
            foreach (var group in Enumerable.Range(0, prompts.Count).GroupBy(i => encoded[i].Length).OrderBy(g => g.Key))
            {
                foreach (var chunk in group.Chunk(settings.BatchSize))
                {
                    ct.ThrowIfCancellationRequested();
                    (List<int> ids, double logprob, bool complete)[] rows;
                    using (GcPause.Enter()) rows = SampleBatch(model, tok, chunk.Select(i => encoded[i]).ToArray(), settings, gen);
                    for (int j = 0; j < chunk.Length; j++)
                    {
                        var (ids, lp, complete) = rows[j];
                        var text = tok.Decode(ids);
                        results[chunk[j]] = new GeneratedText(prompts[chunk[j]], text, lp, ids.Count + (complete ? 1 : 0), complete,
                            tok.Encode(text).SequenceEqual(ids));
                    }
                    done += chunk.Length;
                    progress?.Report(done);
                }
            }
        }
        finally { model.train(wasTraining); }
        return results!;
    }

    static (List<int> ids, double logprob, bool complete)[] SampleBatch(CausalLM model, ITokenizer tok, int[][] prompts,
        SamplerSettings s, torch.Generator gen)
    {
        int b = prompts.Length, plen = prompts[0].Length;
        int ctx = model.Config.ContextLength;
        int maxNew = Math.Min(s.MaxNewTokens, ctx - 1 - plen);
        var outIds = Enumerable.Range(0, b).Select(_ => new List<int>()).ToArray();
        var logp = new double[b];
        var finished = new bool[b];
        if (maxNew <= 0) return Enumerable.Range(0, b).Select(i => (outIds[i], 0.0, false)).ToArray();

        var first = new long[b * (plen + 1)];
        for (int i = 0; i < b; i++)
        {
            first[i * (plen + 1)] = tok.BosId;
            for (int j = 0; j < plen; j++) first[i * (plen + 1) + 1 + j] = prompts[i][j];
        }
        using var cache = new KvCache(model.Config.Layers);
        var input = tensor(first, new long[] { b, plen + 1 }, device: model.Device);
        for (int step = 0; step < maxNew; step++)
        {
            using var scope = NewDisposeScope();
            var logits = model.Forward(input, cache);
            var last = logits.select(1, logits.shape[1] - 1).to(ScalarType.Float64); // [B,V]
            var (next, chosenLogp) = Pick(last, s, gen);
            var nextArr = next.cpu().data<long>().ToArray();
            var lpArr = chosenLogp.cpu().data<double>().ToArray();
            for (int i = 0; i < b; i++)
            {
                if (finished[i]) continue;
                logp[i] += lpArr[i];
                if (nextArr[i] == tok.EosId) finished[i] = true;
                else outIds[i].Add((int)nextArr[i]);
            }
            if (finished.All(f => f)) break;
            input.Dispose();
            input = next.view(b, 1).DetachFromDisposeScope();
        }
        input.Dispose();
        return Enumerable.Range(0, b).Select(i => (outIds[i], logp[i], finished[i])).ToArray();
    }

    /// <summary>Draws one token per row from the sampler's distribution and returns it with its log-probability under that distribution.</summary>
    internal static (Tensor next, Tensor logp) Pick(Tensor logits, SamplerSettings s, torch.Generator gen)
    {
        if (s.Greedy)
        {
            var lsm = nn.functional.log_softmax(logits, -1);
            var arg = logits.argmax(-1, keepdim: true);
            return (arg.squeeze(-1), lsm.gather(-1, arg).squeeze(-1));
        }
        var z = logits / s.Temperature;
        if (s.TopK > 0 && s.TopK < z.shape[1])
        {
            var kth = z.topk(s.TopK, -1).values.narrow(-1, s.TopK - 1, 1);
            z = z.masked_fill(z < kth, double.NegativeInfinity);
        }
        if (s.TopP < 1.0)
        {
            var (sorted, index) = z.sort(-1, descending: true);
            var probsSorted = nn.functional.softmax(sorted, -1);
            var cum = probsSorted.cumsum(-1);
            var remove = (cum - probsSorted) > s.TopP; // keep the smallest prefix whose mass reaches top-p (always the first)
            var removeOrig = zeros_like(remove).scatter(-1, index, remove);
            z = z.masked_fill(removeOrig, double.NegativeInfinity);
        }
        var logProbs = nn.functional.log_softmax(z, -1);
        // the generator lives on the CPU (see Generate): draw there, then bring the choice back to the logits' device
        var next = multinomial(logProbs.exp().cpu(), 1, generator: gen).to(logits.device);
        return (next.squeeze(-1), logProbs.gather(-1, next).squeeze(-1));
    }
}
