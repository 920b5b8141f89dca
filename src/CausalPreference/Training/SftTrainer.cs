using CausalPreference.Models;
using CausalPreference.Text;
using static TorchSharp.torch;

namespace CausalPreference.Training;

/// <summary>
/// FT: causal-LM fine-tuning on the task texts (docs/math.md#training-defaults). The FT model is the FT baseline, the starting
/// point of every causal objective and the estimate P̂^R of the randomization distribution.
/// Loss = mean negative log-likelihood per target token (text tokens and EOS; BOS, prompts and padding masked).
/// </summary>
public static class SftTrainer
{
    /// <summary>Fine-tunes <paramref name="model"/> in place on <paramref name="train"/>, keeping the checkpoint with the lowest loss on <paramref name="validation"/>, and saves it with its logs in <paramref name="outDir"/>.</summary>
    public static TrainResult Train(CausalLM model, ITokenizer tok, IReadOnlyList<string> train, IReadOnlyList<string> validation,
        TrainerOptions opts, string outDir, string dataFingerprint, IProgress<TrainingProgress>? progress = null,
        CancellationToken ct = default, long stopAfterSteps = long.MaxValue, bool restartOnSettingsChange = false)
    {
        int ctx = model.Config.ContextLength;
        var settings = $"sft|{dataFingerprint}|{opts}|{model.Config}";
        StepOutput Step(StepContext c)
        {
            var idx = c.Indices;
            using var batch = TokenBatch.Create(tok, idx.Select(i => train[i]).ToArray(), ctx, model.Device);
            var lp = SequenceScorer.LogProb(model, batch);
            var ntok = batch.TargetMask.sum().item<float>();
            var loss = -lp.sum() / ntok;
            return new StepOutput(loss, (long)ntok);
        }
        EvalOutput Eval() => new(MeanNll(model, tok, validation), null);
        return TrainLoop.Run(model, tok, train.Count, Step, validation.Count > 0 ? Eval : null, opts, outDir, Fingerprint(settings), progress, ct, stopAfterSteps: stopAfterSteps, restartOnSettingsChange: restartOnSettingsChange);
    }

    /// <summary>Mean negative log-likelihood per target token over texts (eval mode, no gradient).</summary>
    public static double MeanNll(CausalLM model, ITokenizer tok, IReadOnlyList<string> texts, int batchSize = 32)
    {
        var lp = SequenceScorer.Score(model, tok, texts, batchSize: batchSize);
        long tokens = texts.Sum(t => (long)Math.Min(tok.Encode(t).Length + 1, model.Config.ContextLength - 1));
        return -lp.Sum() / Math.Max(1, tokens);
    }

    internal static string Fingerprint(string s) =>
        Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(s)))[..16];
}
