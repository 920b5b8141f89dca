using CausalPreference.Text;
using static TorchSharp.torch;

namespace CausalPreference.Models;

/// <summary>
/// A right-padded batch of token sequences: BOS, [prompt ids], text ids, EOS, then PAD.
/// <see cref="TargetMask"/>[b,t] = 1 where token t is a real token whose probability counts in the score:
/// text tokens and the EOS, never BOS, prompt tokens or padding.
///
/// Texts are scored as complete texts, EOS included, so that scores are densities over whole texts — the
/// same density the sampler draws from (generation stops at EOS). A sequence longer than the context is
/// truncated at the context length and then has no EOS: its score is the probability of that prefix.
/// </summary>
public sealed class TokenBatch : IDisposable
{
    /// <summary>Token ids [B,T] (int64), right-padded with the tokenizer's PAD id; T is the longest row (at least 2).</summary>
    public Tensor Ids { get; }
    /// <summary>[B,T] float32: 1 at the positions whose token is scored (text tokens and EOS), 0 elsewhere.</summary>
    public Tensor TargetMask { get; }
    /// <summary>Position of the last real token of each row (for pooling).</summary>
    public long[] LastIndex { get; }
    /// <summary>Rows that were cut at the context length.</summary>
    public bool[] Truncated { get; }
    /// <summary>Number of rows B.</summary>
    public int Count => LastIndex.Length;

    TokenBatch(Tensor ids, Tensor mask, long[] last, bool[] truncated) { Ids = ids; TargetMask = mask; LastIndex = last; Truncated = truncated; }

    /// <summary>Encodes texts (optionally each after a prompt) into a padded batch on <paramref name="device"/>.</summary>
    public static TokenBatch Create(ITokenizer tok, IReadOnlyList<string> texts, int contextLength, Device? device = null,
                                    IReadOnlyList<string?>? prompts = null)
    {
        var seqs = new List<(int[] ids, int firstTarget, bool truncated)>(texts.Count);
        for (int i = 0; i < texts.Count; i++)
        {
            var p = prompts?[i] is { Length: > 0 } pr ? tok.Encode(pr) : Array.Empty<int>();
            seqs.Add(Build(tok, p, tok.Encode(texts[i]), contextLength));
        }
        return FromSequences(tok, seqs, device);
    }

    /// <summary>BOS + prompt + text + EOS, cut to the context. The first target index is 1 + prompt length.</summary>
    public static (int[] ids, int firstTarget, bool truncated) Build(ITokenizer tok, int[] prompt, int[] text, int contextLength)
    {
        var all = new List<int>(2 + prompt.Length + text.Length) { tok.BosId };
        all.AddRange(prompt);
        all.AddRange(text);
        all.Add(tok.EosId);
        bool truncated = all.Count > contextLength;
        if (truncated) all.RemoveRange(contextLength, all.Count - contextLength);
        return (all.ToArray(), 1 + prompt.Length, truncated);
    }

    /// <summary>Pads sequences made by <see cref="Build"/> into a batch on <paramref name="device"/> (the CPU when null);
    /// position t of row b is a target when firstTarget ≤ t &lt; its length.</summary>
    public static TokenBatch FromSequences(ITokenizer tok, IReadOnlyList<(int[] ids, int firstTarget, bool truncated)> seqs, Device? device = null)
    {
        int n = seqs.Count, t = Math.Max(2, seqs.Max(s => s.ids.Length));
        var ids = new long[n * t];
        var mask = new float[n * t];
        var last = new long[n];
        var trunc = new bool[n];
        for (int b = 0; b < n; b++)
        {
            var (s, first, tr) = seqs[b];
            for (int j = 0; j < t; j++)
            {
                ids[b * t + j] = j < s.Length ? s[j] : tok.PadId;
                mask[b * t + j] = j >= first && j < s.Length ? 1f : 0f;
            }
            last[b] = s.Length - 1;
            trunc[b] = tr;
        }
        var idsT = tensor(ids, new long[] { n, t }, device: device);
        var maskT = tensor(mask, new long[] { n, t }, device: device);
        return new TokenBatch(idsT, maskT, last, trunc);
    }

    /// <summary>Disposes <see cref="Ids"/> and <see cref="TargetMask"/>.</summary>
    public void Dispose() { Ids.Dispose(); TargetMask.Dispose(); }
}
