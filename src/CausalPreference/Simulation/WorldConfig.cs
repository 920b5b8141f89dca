using System.Text.RegularExpressions;
using CausalPreference.Data;
using CausalPreference.IO;

namespace CausalPreference.Simulation;

/// <summary>
/// Everything that defines a simulated world: the grammar of P^R (slots, options and their probabilities), the true
/// outcome function g* (intercept, per-phrase effects, interactions, a length term), the noise, and the confounding
/// mechanism used by <see cref="World.Generate"/> with <c>confounded: true</c>.
/// </summary>
/// <remarks>
/// The linear score of any text x is
/// <c>η(x) = Intercept + Σ_{phrases p in x} Effect(p) + Σ_{interactions (a,b) with a and b in x} Effect(a,b) − LengthPenaltyPerChar · (chars outside the grammar's length range)</c>,
/// where "p in x" means the words of p occur contiguously in x's lowercase ASCII word sequence (each phrase counts
/// once). g*(x) = η(x) for <see cref="OutcomeKind.Continuous"/> and sigmoid(η(x)) for <see cref="OutcomeKind.Binary"/>.
/// </remarks>
public sealed record WorldConfig
{
    /// <summary>Default seed for callers that need one (e.g. the CLI's <c>simulate</c>); <see cref="World"/> itself takes seeds per call.</summary>
    public int Seed { get; init; }

    /// <summary>The grammar: a text is one option of each slot, in slot order, joined by single spaces.</summary>
    public required IReadOnlyList<GrammarSlot> Slots { get; init; }

    /// <summary>Pairwise interaction effects (phrases of different slots).</summary>
    public IReadOnlyList<Interaction> Interactions { get; init; } = [];

    /// <summary>Intercept of the linear score (on the logit scale for binary worlds).</summary>
    public double Intercept { get; init; }

    /// <summary>Penalty per character by which a text is shorter than the shortest or longer than the longest grammatical text.</summary>
    public double LengthPenaltyPerChar { get; init; } = 0.02;

    /// <summary>
    /// The realistic reader's mean outcome for a text the grammar cannot produce (on Y's coding). Null: the lowest g*
    /// over the grammar for continuous worlds, 0 for binary ones. Must not exceed the lowest grammatical g*.
    /// </summary>
    public double? UngrammaticalOutcome { get; init; }

    /// <summary>Standard deviation of the Normal noise added to continuous outcomes (unused for binary worlds).</summary>
    public double NoiseSd { get; init; } = 1.0;

    /// <summary>How Y is coded: <see cref="OutcomeKind.Continuous"/> or <see cref="OutcomeKind.Binary"/> (a simulated world has no
    /// <see cref="OutcomeKind.Auto"/> or <see cref="OutcomeKind.Binomial"/> outcome).</summary>
    public OutcomeKind Kind { get; init; } = OutcomeKind.Continuous;

    /// <summary>
    /// Confounded data: the share of haters (U = 1) among the readers of the worst grammatical text. The share rises
    /// linearly in g*(x) up to <see cref="ConfounderShareAtBest"/> for the best one.
    /// </summary>
    public double ConfounderShareAtWorst { get; init; } = 0.02;

    /// <summary>Confounded data: the share of haters among the readers of the best grammatical text.</summary>
    public double ConfounderShareAtBest { get; init; } = 0.98;

    /// <summary>Confounded data: haters' response is shifted down by this much (on the logit scale for binary worlds).</summary>
    public double ConfounderEffect { get; init; } = 8.0;

    /// <summary>
    /// The default continuous world: short headline-like texts "subject verb object ending" (28–48 characters,
    /// 5·5·5·4 = 500 texts), a 1–7 rating-like outcome with E_{P^R}[g*] ≈ 3.4, best g* = 6.8 (a text with
    /// P^R ≈ 0.00034), noise sd 1. The realistic reader rates a text outside the grammar 1, the bottom of the scale
    /// (the worst grammatical text has g* = 1.6).
    /// </summary>
    public static WorldConfig Default() => new()
    {
        Slots =
        [
            new("subject", [new("local mayor", 0.30, 0.0), new("old dog", 0.25, 0.3), new("my neighbor", 0.20, -0.2), new("city council", 0.15, -0.4), new("tiny robot", 0.10, 0.9)]),
            new("verb", [new("finds", 0.30, 0.0), new("loses", 0.25, -0.5), new("paints", 0.20, 0.2), new("rescues", 0.15, 0.9), new("builds", 0.10, 0.4)]),
            new("object", [new("red bike", 0.30, 0.0), new("stone bridge", 0.25, -0.3), new("some cheese", 0.20, 0.1), new("lost kitten", 0.15, 0.8), new("secret garden", 0.10, 0.5)]),
            new("ending", [new("today", 0.35, 0.0), new("again", 0.30, -0.2), new("at dawn", 0.20, 0.2), new("for everyone", 0.15, 0.5)]),
        ],
        Interactions = [new("rescues", "lost kitten", 0.7)],
        Intercept = 3.0,
        UngrammaticalOutcome = 1.0,
        NoiseSd = 1.0,
        Kind = OutcomeKind.Continuous,
    };

    /// <summary>
    /// The default binary world: the same grammar and effects as <see cref="Default"/> on the logit scale with
    /// intercept −0.5, so P(Y=1) under P^R averages ≈ 0.46 while the best text reaches ≈ 0.96; haters' logit shift 6. A text
    /// outside the grammar gets probability 0.
    /// </summary>
    public static WorldConfig DefaultBinary() => Default() with { Intercept = -0.5, Kind = OutcomeKind.Binary, ConfounderEffect = 6.0, UngrammaticalOutcome = 0.0 };

    static readonly Regex PhrasePattern = new("^[a-z0-9]+( [a-z0-9]+)*$", RegexOptions.CultureInvariant);

    /// <summary>Checks the configuration; throws <see cref="InputException"/> saying what to fix.</summary>
    public void Validate()
    {
        if (Slots is null || Slots.Count == 0) throw new InputException("the world needs at least one grammar slot.");
        var seenWords = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var slot in Slots)
        {
            if (slot.Options is null || slot.Options.Count == 0)
                throw new InputException($"grammar slot '{slot.Name}' has no options; give it at least one phrase.");
            double total = 0;
            foreach (var o in slot.Options)
            {
                if (o.Phrase is null || !PhrasePattern.IsMatch(o.Phrase))
                    throw new InputException($"phrase '{o.Phrase}' in slot '{slot.Name}' must be lowercase ASCII words (a-z, 0-9) separated by single spaces.");
                if (!(o.Probability > 0) || double.IsInfinity(o.Probability))
                    throw new InputException($"phrase '{o.Phrase}' in slot '{slot.Name}' needs a positive probability; got {o.Probability}.");
                if (!double.IsFinite(o.Effect))
                    throw new InputException($"phrase '{o.Phrase}' in slot '{slot.Name}' needs a finite effect; got {o.Effect}.");
                total += o.Probability;
                foreach (var w in o.Phrase.Split(' '))
                {
                    if (seenWords.TryGetValue(w, out var where))
                        throw new InputException($"word '{w}' appears in both '{where}' and '{o.Phrase}' (slot '{slot.Name}'); every word must be unique across the grammar so each text parses one way.");
                    seenWords[w] = o.Phrase;
                }
            }
            if (Math.Abs(total - 1) > 1e-9)
                throw new InputException($"the probabilities of slot '{slot.Name}' sum to {total}; make them sum to 1.");
        }
        foreach (var ia in Interactions ?? [])
        {
            if (ia.PhraseA is null || ia.PhraseB is null || !PhrasePattern.IsMatch(ia.PhraseA) || !PhrasePattern.IsMatch(ia.PhraseB))
                throw new InputException($"interaction ('{ia.PhraseA}', '{ia.PhraseB}') needs two lowercase ASCII phrases.");
            if (!double.IsFinite(ia.Effect))
                throw new InputException($"interaction ('{ia.PhraseA}', '{ia.PhraseB}') needs a finite effect.");
        }
        if (!double.IsFinite(Intercept)) throw new InputException("the intercept must be finite.");
        if (!(LengthPenaltyPerChar >= 0) || double.IsInfinity(LengthPenaltyPerChar)) throw new InputException("the length penalty must be a finite number ≥ 0.");
        if (!(NoiseSd >= 0) || double.IsInfinity(NoiseSd)) throw new InputException("the noise sd must be a finite number ≥ 0.");
        if (!(ConfounderShareAtWorst > 0 && ConfounderShareAtWorst <= ConfounderShareAtBest && ConfounderShareAtBest < 1))
            throw new InputException($"the haters' shares must satisfy 0 < at-worst ≤ at-best < 1; got {ConfounderShareAtWorst} and {ConfounderShareAtBest}.");
        if (Kind is not (OutcomeKind.Continuous or OutcomeKind.Binary))
            throw new InputException($"a simulated world's outcome is continuous or binary; got {Kind}.");
        if (UngrammaticalOutcome is double u && (!double.IsFinite(u) || (Kind == OutcomeKind.Binary && u is < 0 or > 1)))
            throw new InputException($"the ungrammatical outcome must be a finite number (a probability for binary worlds); got {u}.");
        if (!double.IsFinite(ConfounderEffect)) throw new InputException("the confounder effect must be finite.");
    }
}
