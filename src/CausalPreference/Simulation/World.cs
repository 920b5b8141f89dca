using CausalPreference.Data;

namespace CausalPreference.Simulation;

/// <summary>
/// A built-in world with known truth: an exact randomization distribution P^R over a small grammar of short texts,
/// a true mean outcome g*(x) defined for any text, and generators of randomized and confounded direct-outcome data.
/// </summary>
/// <remarks>
/// <para><b>P^R.</b> A text is one option per slot, in slot order, joined by single spaces; slots are drawn
/// independently with the configured probabilities. <see cref="LogPropensity"/> is exact for that string and −∞ for
/// any other string (no trimming or case folding: P^R is a distribution over exact strings).</para>
/// <para><b>g* (the realistic reader).</b> For a grammatical text, g*(x) = η(x) for continuous worlds and sigmoid(η(x))
/// for binary ones (see <see cref="WorldConfig"/>). A text the grammar cannot produce — a broken word, a dropped noun,
/// an invented phrase — gets the lowest mean outcome the world allows, <see cref="OutcomeFloor"/>: a reader shown
/// gibberish rates it lowest, however many of the good phrases it contains. This is the causal mean response of the
/// target population, and the truth every "true value" in this project measures.</para>
/// <para><b>The phrase-sum score</b> (<see cref="PhraseSumMean"/>) is the older, lenient yardstick, kept for comparison
/// with the paper's setting: η(x) for ANY string, adding a phrase's effect wherever its words occur. It rewards
/// "secret garden for everyonee rescues" as highly as a real headline, so a model that breaks its grammar while keeping
/// good phrases looks better under it than it is.</para>
/// <para><b>Randomized data.</b> X ~ P^R independently of the reader; Y = g*(X) + Normal(0, sd), or Bernoulli(g*(X)).</para>
/// <para><b>Confounded data</b> (the paper's "haters"; docs/math.md#confounding). A hidden trait U ~ Bernoulli(π). U = 0 readers see X ~ P^R;
/// U = 1 readers seek out the best texts and respond very negatively: Y = η(X) − effect·U + noise (continuous) or
/// Y ~ Bernoulli(sigmoid(η(X) − effect·U)) (binary). Their exposure is q₁(x) ∝ P^R(x)·h(x)/(1 − h(x)), where h(x)
/// rises linearly in g*(x) from <see cref="WorldConfig.ConfounderShareAtWorst"/> at the worst grammatical text to
/// <see cref="WorldConfig.ConfounderShareAtBest"/> at the best, and π = Z/(1 + Z) with Z = E_{P^R}[h/(1 − h)]; then
/// P(U = 1 | X = x) = h(x) exactly, so E[Y | X = x] = g*(x) − effect·h(x) for continuous worlds, which falls as g*
/// rises when effect·(at-best − at-worst) exceeds the grammar's range of g* (the defaults give slope ≈ −0.48); for
/// binary worlds E[Y | X = x] = h·sigmoid(η − effect) + (1 − h)·g*(x), whose regression on g* is negative for the
/// default binary world (≈ −0.16) though not monotone at the low end. The haters are an
/// observational population distinct from the target one: g* stays the truth to recover, while an outcome model fit
/// on these data learns <see cref="ConfoundedConditionalMean"/>. The rows' log_propensity is still log P^R(x), what
/// the analyst believes, not the exposure probability that generated them (<see cref="ConfoundedLogExposure"/>).</para>
/// </remarks>
public sealed class World
{
    readonly double[][] _logProb;            // [slot][option]
    readonly double[][] _cumulative;         // [slot][option] cumulative probabilities
    readonly (string[] Words, double Effect)[] _phraseEffects;
    readonly (string[] A, string[] B, double Effect)[] _interactions;
    readonly Dictionary<string, GrammarText> _byText;
    readonly double[] _tiltedCumulative;     // exposure distribution of U = 1 readers, over Grammar order
    readonly int _minLength, _maxLength;
    readonly double _gMin, _gMax;

    /// <summary>
    /// The mean outcome the realistic reader gives a text the grammar cannot produce: <see cref="WorldConfig.UngrammaticalOutcome"/>
    /// when set (the default continuous world: 1, the bottom of its 1–7 scale), else the lowest g* over the grammar
    /// (continuous worlds) or 0 (binary worlds).
    /// </summary>
    public double OutcomeFloor { get; }

    /// <summary>The configuration (validated).</summary>
    public WorldConfig Config { get; }

    /// <summary>Every grammatical text with its exact log P^R and g*, in lexicographic order of slot choices.</summary>
    public IReadOnlyList<GrammarText> Grammar { get; }

    /// <summary>Shortest and longest grammatical text, in characters.</summary>
    public (int Min, int Max) GrammarLengthRange => (_minLength, _maxLength);

    /// <summary>Builds a world; <paramref name="config"/> defaults to <see cref="WorldConfig.Default"/>.</summary>
    /// <exception cref="IO.InputException">The configuration is invalid (the message says what to fix).</exception>
    public World(WorldConfig? config = null)
    {
        Config = config ?? WorldConfig.Default();
        Config.Validate();
        var slots = Config.Slots;
        long size = 1;
        foreach (var s in slots)
        {
            size *= s.Options.Count;
            if (size > 1_000_000) throw new IO.InputException("the grammar has more than 1,000,000 texts; use fewer slots or options so it can be enumerated exactly.");
        }

        _logProb = slots.Select(s => s.Options.Select(o => Math.Log(o.Probability)).ToArray()).ToArray();
        _cumulative = slots.Select(s =>
        {
            var c = new double[s.Options.Count];
            double acc = 0, total = s.Options.Sum(o => o.Probability);
            for (int i = 0; i < c.Length; i++) { acc += s.Options[i].Probability / total; c[i] = acc; }
            c[^1] = 1.0;
            return c;
        }).ToArray();
        _phraseEffects = slots.SelectMany(s => s.Options).Where(o => o.Effect != 0).Select(o => (o.Phrase.Split(' '), o.Effect)).ToArray();
        _interactions = (Config.Interactions ?? []).Select(i => (i.PhraseA.Split(' '), i.PhraseB.Split(' '), i.Effect)).ToArray();

        // Enumerate the grammar; lengths first (the length term of g* needs the range).
        var combos = new List<int[]>();
        Enumerate(new int[slots.Count], 0, combos);
        var texts = combos.Select(c => string.Join(' ', c.Select((o, s) => slots[s].Options[o].Phrase))).ToArray();
        _minLength = texts.Min(t => t.Length);
        _maxLength = texts.Max(t => t.Length);
        var grammar = new GrammarText[texts.Length];
        for (int i = 0; i < texts.Length; i++)
        {
            double lp = 0;
            for (int s = 0; s < slots.Count; s++) lp += _logProb[s][combos[i][s]];
            grammar[i] = new GrammarText(texts[i], combos[i], lp, PhraseSumMean(texts[i]));
        }
        Grammar = grammar;
        _byText = grammar.ToDictionary(g => g.Text, StringComparer.Ordinal);
        double lowest = grammar.Min(g => g.TrueMean);
        OutcomeFloor = Config.UngrammaticalOutcome ?? (Config.Kind == OutcomeKind.Binary ? 0.0 : lowest);
        if (OutcomeFloor > lowest + 1e-12)
            throw new IO.InputException($"the outcome of an ungrammatical text ({OutcomeFloor}) is above the lowest grammatical text's mean outcome ({lowest:G6}); " +
                "a reader must not prefer gibberish to a real text: lower ungrammatical_outcome.");

        // U = 1 exposure: q1(x) ∝ P^R(x)·h(x)/(1 − h(x)); π = Z/(1 + Z) makes P(U = 1 | x) = h(x).
        _gMin = grammar.Min(g => g.TrueMean);
        _gMax = grammar.Max(g => g.TrueMean);
        var tilted = grammar.Select(g => { double h = HaterShare(g.Text); return Math.Exp(g.LogPropensity) * h / (1 - h); }).ToArray();
        double z = tilted.Sum();
        ConfounderShare = z / (1 + z);
        _tiltedCumulative = new double[grammar.Length];
        double cum = 0;
        for (int i = 0; i < grammar.Length; i++) { cum += tilted[i] / z; _tiltedCumulative[i] = cum; }
        _tiltedCumulative[^1] = 1.0;
    }

    /// <summary>Confounded data: the overall share π of haters (U = 1), implied by the configured shares.</summary>
    public double ConfounderShare { get; }

    /// <summary>
    /// Confounded data: P(U = 1 | X = x), the share of haters among the readers of a grammatical text
    /// (linear in g* between the configured shares at the worst and best texts); NaN outside the grammar.
    /// </summary>
    public double HaterShare(string text)
    {
        if (!_byText.ContainsKey(text)) return double.NaN;
        double lo = Config.ConfounderShareAtWorst, hi = Config.ConfounderShareAtBest;
        double t = _gMax > _gMin ? (TrueMean(text) - _gMin) / (_gMax - _gMin) : 0.5;
        return lo + (hi - lo) * t;
    }

    void Enumerate(int[] current, int slot, List<int[]> into)
    {
        if (slot == current.Length) { into.Add((int[])current.Clone()); return; }
        for (int o = 0; o < Config.Slots[slot].Options.Count; o++)
        {
            current[slot] = o;
            Enumerate(current, slot + 1, into);
        }
    }

    /// <summary>The slot choices that generate exactly <paramref name="text"/>, or null when the grammar cannot produce it.</summary>
    public IReadOnlyList<int>? Parse(string text) => _byText.TryGetValue(text, out var g) ? g.Choices : null;

    /// <summary>True when P^R(<paramref name="text"/>) &gt; 0.</summary>
    public bool IsGrammatical(string text) => _byText.ContainsKey(text);

    /// <summary>Exact log P^R(text): Σ of log slot probabilities, or <see cref="double.NegativeInfinity"/> for a text the grammar cannot produce.</summary>
    public double LogPropensity(string text) => _byText.TryGetValue(text, out var g) ? g.LogPropensity : double.NegativeInfinity;

    /// <summary>Draws one text from P^R.</summary>
    public string SampleText(Random rng)
    {
        ArgumentNullException.ThrowIfNull(rng);
        var parts = new string[_cumulative.Length];
        for (int s = 0; s < parts.Length; s++) parts[s] = Config.Slots[s].Options[Draw(_cumulative[s], rng.NextDouble())].Phrase;
        return string.Join(' ', parts);
    }

    static int Draw(double[] cumulative, double u)
    {
        int i = Array.BinarySearch(cumulative, u);
        if (i < 0) i = ~i; else i++;          // exact hit on a boundary belongs to the next bin
        return Math.Min(i, cumulative.Length - 1);
    }

    /// <summary>The linear score η(x) (logit scale for binary worlds); defined for any text.</summary>
    public double LinearScore(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var words = Words(text);
        double eta = Config.Intercept;
        foreach (var (w, e) in _phraseEffects) if (Contains(words, w)) eta += e;
        foreach (var (a, b, e) in _interactions) if (Contains(words, a) && Contains(words, b)) eta += e;
        int outside = Math.Max(0, _minLength - text.Length) + Math.Max(0, text.Length - _maxLength);
        return eta - Config.LengthPenaltyPerChar * outside;
    }

    /// <summary>
    /// The true mean outcome g*(x) on Y's coding (a probability for binary worlds), as the realistic reader responds:
    /// g* of the grammar for a grammatical text, <see cref="OutcomeFloor"/> for any other text.
    /// </summary>
    public double TrueMean(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return _byText.TryGetValue(text, out var g) ? g.TrueMean : OutcomeFloor;
    }

    /// <summary>
    /// The lenient phrase-sum score of the paper's setting (η(x), or sigmoid(η(x)) for binary worlds), defined for any
    /// string: a phrase's effect counts wherever its words occur, grammatical or not. Equal to <see cref="TrueMean"/> on
    /// the grammar; kept for comparison only.
    /// </summary>
    public double PhraseSumMean(string text)
    {
        double eta = LinearScore(text);
        return Config.Kind == OutcomeKind.Binary ? Sigmoid(eta) : eta;
    }

    /// <summary>
    /// The exact E[Y | X = x] in confounded data, which an outcome model fit on those data estimates; NaN for a text
    /// the grammar cannot produce (it never appears there).
    /// </summary>
    public double ConfoundedConditionalMean(string text)
    {
        if (!_byText.ContainsKey(text)) return double.NaN;
        double h = HaterShare(text), eta = LinearScore(text);
        return Config.Kind == OutcomeKind.Binary
            ? h * Sigmoid(eta - Config.ConfounderEffect) + (1 - h) * Sigmoid(eta)
            : eta - Config.ConfounderEffect * h;
    }

    /// <summary>
    /// Exact log probability that a row of confounded data shows <paramref name="text"/>:
    /// log(π·q₁(x) + (1−π)·P^R(x)) = log((1−π)·P^R(x)/(1 − h(x))); −∞ outside the grammar.
    /// This is the true propensity of confounded data, unlike the rows' log_propensity column (log P^R).
    /// </summary>
    public double ConfoundedLogExposure(string text)
    {
        if (!_byText.TryGetValue(text, out var g)) return double.NegativeInfinity;
        return Math.Log(1 - ConfounderShare) + g.LogPropensity - Math.Log(1 - HaterShare(text));
    }

    /// <summary>
    /// Generates <paramref name="n"/> rows, deterministically from <paramref name="seed"/>: randomized (X ~ P^R
    /// independent of the reader) or, with <paramref name="confounded"/>, the "haters" mechanism described on the class.
    /// </summary>
    public SimulatedData Generate(int n, int seed, bool confounded = false)
    {
        if (n < 0) throw new ArgumentOutOfRangeException(nameof(n), n, "the number of rows must be ≥ 0");
        var rng = new Random(seed);
        var rows = new SimulatedRow[n];
        for (int i = 0; i < n; i++)
        {
            int? u = null;
            string text;
            if (confounded)
            {
                u = rng.NextDouble() < ConfounderShare ? 1 : 0;
                text = u == 1 ? Grammar[Draw(_tiltedCumulative, rng.NextDouble())].Text : SampleText(rng);
            }
            else text = SampleText(rng);

            double eta = LinearScore(text) - (u == 1 ? Config.ConfounderEffect : 0);
            double y = Config.Kind == OutcomeKind.Binary
                ? (rng.NextDouble() < Sigmoid(eta) ? 1 : 0)
                : eta + Config.NoiseSd * StandardNormal(rng);
            rows[i] = new SimulatedRow(text, y, LogPropensity(text), u);
        }
        return new SimulatedData(rows, confounded);
    }

    /// <summary>
    /// Simulates <paramref name="experiments"/> A/B tests, deterministically from <paramref name="seed"/>: each draws
    /// <paramref name="arms"/> distinct texts from P^R (the texts an editor would write), and shows each to
    /// <paramref name="readers"/> readers randomized to the arms (equal allocation). A row is one arm: its experiment,
    /// text, mean outcome over its readers (the click rate for a binary world) and log P^R(row | experiment) = log(1/arms).
    /// </summary>
    public IReadOnlyList<ExperimentArm> GenerateExperiments(int experiments, int arms, int readers, int seed)
    {
        if (experiments < 1 || arms < 2 || readers < 1)
            throw new ArgumentOutOfRangeException(nameof(arms), "experiments ≥ 1, arms ≥ 2 and readers ≥ 1 are needed");
        if (arms > Grammar.Count) throw new ArgumentOutOfRangeException(nameof(arms), $"the grammar has only {Grammar.Count} texts");
        var rng = new Random(seed);
        var rows = new List<ExperimentArm>(experiments * arms);
        int width = (experiments - 1).ToString(System.Globalization.CultureInfo.InvariantCulture).Length;
        for (int e = 0; e < experiments; e++)
        {
            var texts = new List<string>(arms);
            while (texts.Count < arms)
            {
                var t = SampleText(rng);
                if (!texts.Contains(t)) texts.Add(t);
            }
            foreach (var text in texts)
            {
                double eta = LinearScore(text), sum = 0;
                for (int r = 0; r < readers; r++)
                    sum += Config.Kind == OutcomeKind.Binary ? (rng.NextDouble() < Sigmoid(eta) ? 1 : 0) : eta + Config.NoiseSd * StandardNormal(rng);
                rows.Add(new ExperimentArm("e" + e.ToString(System.Globalization.CultureInfo.InvariantCulture).PadLeft(width, '0'), text, sum / readers, readers, -Math.Log(arms)));
            }
        }
        return rows;
    }

    /// <summary>
    /// The true value of a set of texts (e.g. samples from a model): mean of g* under the realistic reader, with a 95%
    /// interval mean ± 1.96·sd/√N that reflects the sampling of the texts only; also the grammatical share and the
    /// lenient phrase-sum score of the same texts.
    /// </summary>
    public TrueValueResult TrueValue(IReadOnlyList<string> texts)
    {
        ArgumentNullException.ThrowIfNull(texts);
        if (texts.Count == 0) throw new ArgumentException("TrueValue needs at least one text", nameof(texts));
        int n = texts.Count, grammatical = 0;
        var g = new double[n];
        var phraseSum = new double[n];
        for (int i = 0; i < n; i++)
        {
            g[i] = TrueMean(texts[i]);
            phraseSum[i] = PhraseSumMean(texts[i]);
            if (IsGrammatical(texts[i])) grammatical++;
        }
        var (mean, se) = MeanAndStdError(g);
        var (psMean, psSe) = MeanAndStdError(phraseSum);
        var ofGrammatical = g.Where((_, i) => IsGrammatical(texts[i])).ToArray();
        return new TrueValueResult(mean, se, mean - Z95 * se, mean + Z95 * se, n, (double)grammatical / n, psMean, psSe,
            ofGrammatical.Length > 0 ? ofGrammatical.Average() : double.NaN);
    }

    const double Z95 = 1.96; // the documented interval: mean ± 1.96·sd/√N

    static (double Mean, double StdError) MeanAndStdError(double[] v)
    {
        double mean = v.Average();
        if (v.Length < 2) return (mean, double.NaN);
        double ss = 0;
        foreach (var x in v) ss += (x - mean) * (x - mean);
        return (mean, Math.Sqrt(ss / (v.Length - 1)) / Math.Sqrt(v.Length));
    }

    /// <summary>Exact E_{X~P^R}[g*(X)], by enumerating the grammar.</summary>
    public double ExpectedValueUnderPR() => Grammar.Sum(g => Math.Exp(g.LogPropensity) * g.TrueMean);

    /// <summary>The largest g* over the grammar (what a perfect policy supported on P^R reaches).</summary>
    public double BestPossibleValue() => Grammar.Max(g => g.TrueMean);

    /// <summary>The grammatical text with the largest g* (the first in grammar order on ties).</summary>
    public string BestText() => Grammar.MaxBy(g => g.TrueMean)!.Text;

    /// <summary>Lowercase ASCII words of a text: maximal runs of [a-z0-9] after lowercasing; anything else separates words.</summary>
    public static string[] Words(string text)
    {
        var words = new List<string>();
        int start = -1;
        var lower = text.ToLowerInvariant();
        for (int i = 0; i <= lower.Length; i++)
        {
            bool isWordChar = i < lower.Length && (lower[i] is >= 'a' and <= 'z' or >= '0' and <= '9');
            if (isWordChar) { if (start < 0) start = i; }
            else if (start >= 0) { words.Add(lower[start..i]); start = -1; }
        }
        return words.ToArray();
    }

    static bool Contains(string[] words, string[] phrase)
    {
        for (int i = 0; i + phrase.Length <= words.Length; i++)
        {
            int k = 0;
            while (k < phrase.Length && string.Equals(words[i + k], phrase[k], StringComparison.Ordinal)) k++;
            if (k == phrase.Length) return true;
        }
        return false;
    }

    static double Sigmoid(double x) => x >= 0 ? 1 / (1 + Math.Exp(-x)) : Math.Exp(x) / (1 + Math.Exp(x));

    static double StandardNormal(Random rng)
    {
        double u1 = 1.0 - rng.NextDouble(); // (0, 1]
        double u2 = rng.NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
    }
}
