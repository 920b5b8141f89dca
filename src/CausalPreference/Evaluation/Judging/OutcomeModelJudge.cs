using System.Globalization;

namespace CausalPreference.Evaluation.Judging;

/// <summary>
/// A judge that prefers the text with the better predicted outcome under a fitted outcome model
/// (e.g. ĝ from the Outcome folder). Equal or non-finite scores give <see cref="PairChoice.Invalid"/> (counted).
/// The texts are scored exactly as given; the caller decides whether they include the prompt.
/// </summary>
public sealed class OutcomeModelJudge : IPairJudge
{
    readonly Func<IReadOnlyList<string>, double[]> _score;
    readonly bool _higherIsBetter;

    /// <param name="score">Predicts the outcome of each text (called with two texts per pair); must be thread-safe.</param>
    /// <param name="higherIsBetter">True when a larger outcome is better (Hong Kong), false when smaller is (Hate Speech).</param>
    /// <param name="name">Name in reports and in the cache key; include the model's identity (folder, hash).</param>
    public OutcomeModelJudge(Func<IReadOnlyList<string>, double[]> score, bool higherIsBetter, string name)
    {
        _score = score ?? throw new ArgumentNullException(nameof(score));
        if (string.IsNullOrWhiteSpace(name)) throw new ArgumentException("the judge needs a name (it keys the judgment cache)", nameof(name));
        _higherIsBetter = higherIsBetter;
        Name = name;
    }

    /// <inheritdoc/>
    public string Name { get; }

    /// <inheritdoc/>
    public string Configuration => $"outcome-model;higherIsBetter={_higherIsBetter}";

    /// <inheritdoc/>
    public Task<JudgeVerdict> JudgeAsync(JudgePair pair, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(pair);
        ct.ThrowIfCancellationRequested();
        var s = _score([pair.TextA, pair.TextB]);
        if (s is null || s.Length != 2) throw new InvalidOperationException($"the outcome model returned {s?.Length ?? 0} scores for 2 texts");
        string raw = string.Create(CultureInfo.InvariantCulture, $"scoreA={s[0]:R}; scoreB={s[1]:R}");
        if (!double.IsFinite(s[0]) || !double.IsFinite(s[1]))
            return Task.FromResult(new JudgeVerdict(PairChoice.Invalid, raw, "a predicted outcome is not finite"));
        if (s[0] == s[1])
            return Task.FromResult(new JudgeVerdict(PairChoice.Invalid, raw, "tie: equal predicted outcomes"));
        bool aBetter = _higherIsBetter ? s[0] > s[1] : s[0] < s[1];
        return Task.FromResult(new JudgeVerdict(aBetter ? PairChoice.A : PairChoice.B, raw,
            $"predicted outcome {(_higherIsBetter ? "higher" : "lower")} for {(aBetter ? "A" : "B")}"));
    }
}
