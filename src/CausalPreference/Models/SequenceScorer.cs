using CausalPreference.Text;
using TorchSharp;
using static TorchSharp.torch;

namespace CausalPreference.Models;

/// <summary>
/// Sequence log-likelihoods, the quantity every importance weight is built from:
///   log P(x) = Σ_{t≥1} mask_t · log_softmax(logits_{t−1})[x_t]
/// — shifted (position t−1 predicts token t), padding and prompt masked, accumulated in float64.
/// (The reference code summed raw logits at unshifted positions over padding; see docs/math.md#sequence-score.
/// <see cref="Causal.ReferenceCompat"/> keeps that variant for comparison only.)
/// </summary>
public static class SequenceScorer
{
    /// <summary>Per-row log-likelihood [B] (float64) from logits [B,T,V], ids [B,T] and a target mask [B,T]. Differentiable.</summary>
    public static Tensor LogProb(Tensor logits, Tensor ids, Tensor targetMask)
    {
        using var scope = NewDisposeScope();
        var t = ids.shape[1];
        var logp = nn.functional.log_softmax(logits.narrow(1, 0, t - 1).to(ScalarType.Float32), -1); // predicts tokens 1..T-1
        var target = ids.narrow(1, 1, t - 1).unsqueeze(-1);
        var tok = logp.gather(-1, target).squeeze(-1).to(ScalarType.Float64);
        var m = targetMask.narrow(1, 1, t - 1).to(ScalarType.Float64);
        return (tok * m).sum(1).MoveToOuterDisposeScope();
    }

    /// <summary>Log-likelihood of each batch row under the model (with gradient if enabled by the caller).</summary>
    public static Tensor LogProb(CausalLM model, TokenBatch batch)
    {
        using var scope = NewDisposeScope();
        var logits = model.forward(batch.Ids);
        return LogProb(logits, batch.Ids, batch.TargetMask).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Scores texts (optionally conditional on prompts: log P(text | prompt)) without gradient, in eval mode,
    /// in batches sorted by length to limit padding. Returns one float64 log-probability per text, in input order.
    /// </summary>
    public static double[] Score(CausalLM model, ITokenizer tok, IReadOnlyList<string> texts,
                                 IReadOnlyList<string?>? prompts = null, int batchSize = 32, IProgress<int>? progress = null)
    {
        var result = new double[texts.Count];
        var order = Enumerable.Range(0, texts.Count).OrderBy(i => texts[i].Length).ToArray();
        bool wasTraining = model.training;
        model.eval();
        try
        {
            using var _ = no_grad();
            for (int start = 0; start < order.Length; start += batchSize)
            {
                using var pause = GcPause.Enter(); // see GcPause: no collection may free TorchSharp's temporary Scalars mid-call
                using var scope = NewDisposeScope();
                var idx = order.Skip(start).Take(batchSize).ToArray();
                using var batch = TokenBatch.Create(tok, idx.Select(i => texts[i]).ToArray(), model.Config.ContextLength,
                    model.Device, prompts is null ? null : idx.Select(i => prompts[i]).ToArray());
                var lp = LogProb(model, batch).cpu().data<double>().ToArray();
                for (int j = 0; j < idx.Length; j++) result[idx[j]] = lp[j];
                progress?.Report(Math.Min(order.Length, start + batchSize));
            }
        }
        finally { model.train(wasTraining); }
        return result;
    }
}
