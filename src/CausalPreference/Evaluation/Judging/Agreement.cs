namespace CausalPreference.Evaluation.Judging;

/// <summary>
/// Inter-rater agreement (the paper's human validation; docs/math.md#agreement): Fleiss' κ, the phi correlation of two binary raters,
/// and majority vote with a seeded random tie-break.
/// </summary>
public static class Agreement
{
    /// <summary>Seed of the survey's random tie-break (survey_analyze.py).</summary>
    public const int DefaultTieBreakSeed = 240119;

    /// <summary>
    /// Fleiss' κ from a count table: <c>counts[i, j]</c> = number of raters who put item i in category j.
    /// With the same number n of ratings per item this is exactly docs/math.md#agreement:
    /// P_i = (Σ_j n_ij² − n)/(n(n−1)), P̄ = mean P_i, p_j = category shares over all ratings, P̄_e = Σ_j p_j²,
    /// κ = (P̄ − P̄_e)/(1 − P̄_e).
    /// When items have different numbers of ratings r_i (as in a crowd survey) it uses the standard generalization
    /// (Gwet; irrCAC's <c>fleiss.kappa.raw</c>, which the paper's code calls): P̄ averages P_i over items with r_i ≥ 2,
    /// p_j = mean over rated items of n_ij/r_i. Items with no ratings are ignored.
    /// Returns NaN when κ is undefined (no item with two ratings, or all ratings in one category).
    /// </summary>
    public static double FleissKappa(int[,] counts)
    {
        ArgumentNullException.ThrowIfNull(counts);
        int items = counts.GetLength(0), k = counts.GetLength(1);
        var shares = new double[k];
        double sumP = 0;
        int rated = 0, multi = 0;
        for (int i = 0; i < items; i++)
        {
            long r = 0, sq = 0;
            for (int j = 0; j < k; j++)
            {
                int c = counts[i, j];
                if (c < 0) throw new ArgumentException($"count table has a negative count at item {i}, category {j}", nameof(counts));
                r += c; sq += (long)c * c;
            }
            if (r == 0) continue;
            rated++;
            for (int j = 0; j < k; j++) shares[j] += counts[i, j] / (double)r;
            if (r >= 2) { multi++; sumP += (sq - r) / (double)(r * (r - 1)); }
        }
        if (multi == 0) return double.NaN;
        double pBar = sumP / multi, pe = 0;
        for (int j = 0; j < k; j++) { double p = shares[j] / rated; pe += p * p; }
        return pe >= 1 ? double.NaN : (pBar - pe) / (1 - pe);
    }

    /// <summary>Fleiss' κ from the labels each item received (any number of ratings per item; see <see cref="FleissKappa(int[,])"/>).</summary>
    public static double FleissKappa<TLabel>(IEnumerable<IEnumerable<TLabel>> labelsPerItem) where TLabel : notnull
    {
        ArgumentNullException.ThrowIfNull(labelsPerItem);
        var items = labelsPerItem.Select(l => l.ToList()).ToList();
        var categories = new Dictionary<TLabel, int>();
        foreach (var l in items.SelectMany(x => x))
            categories.TryAdd(l, categories.Count);
        var counts = new int[items.Count, categories.Count];
        for (int i = 0; i < items.Count; i++)
            foreach (var l in items[i]) counts[i, categories[l]]++;
        return FleissKappa(counts);
    }

    /// <summary>
    /// Phi correlation of two binary raters from the 2×2 table (n11: both 1, n10: first 1 second 0, n01, n00):
    /// φ = (n11·n00 − n10·n01)/sqrt((n11+n10)(n11+n01)(n00+n10)(n00+n01)). NaN when a margin is empty.
    /// </summary>
    public static double Phi(long n11, long n10, long n01, long n00)
    {
        if (n11 < 0 || n10 < 0 || n01 < 0 || n00 < 0) throw new ArgumentOutOfRangeException(nameof(n11), "2x2 counts cannot be negative");
        double den = (double)(n11 + n10) * (n11 + n01) * (n00 + n10) * (n00 + n01);
        return den == 0 ? double.NaN : ((double)n11 * n00 - (double)n10 * n01) / Math.Sqrt(den);
    }

    /// <summary>Phi correlation of two binary raters who rated the same items in the same order.</summary>
    public static double Phi(IReadOnlyList<bool> rater1, IReadOnlyList<bool> rater2)
    {
        ArgumentNullException.ThrowIfNull(rater1);
        ArgumentNullException.ThrowIfNull(rater2);
        if (rater1.Count != rater2.Count) throw new ArgumentException($"the raters rated different numbers of items ({rater1.Count} vs {rater2.Count})", nameof(rater2));
        long n11 = 0, n10 = 0, n01 = 0, n00 = 0;
        for (int i = 0; i < rater1.Count; i++)
        {
            if (rater1[i]) { if (rater2[i]) n11++; else n10++; }
            else { if (rater2[i]) n01++; else n00++; }
        }
        return Phi(n11, n10, n01, n00);
    }

    /// <summary>
    /// Majority vote per item: the most frequent label; ties are broken uniformly at random among the tied labels
    /// (taken in <paramref name="order"/>, default <see cref="Comparer{T}.Default"/>) with one <see cref="Random"/>
    /// seeded by <paramref name="seed"/> and consumed only at ties, items in the given order. Items with no labels throw.
    /// </summary>
    public static TLabel[] MajorityVote<TLabel>(IReadOnlyList<IReadOnlyList<TLabel>> labelsPerItem, int seed = DefaultTieBreakSeed, IComparer<TLabel>? order = null)
        where TLabel : notnull
    {
        ArgumentNullException.ThrowIfNull(labelsPerItem);
        order ??= Comparer<TLabel>.Default;
        var rng = new Random(seed);
        var result = new TLabel[labelsPerItem.Count];
        for (int i = 0; i < labelsPerItem.Count; i++)
        {
            var labels = labelsPerItem[i];
            if (labels.Count == 0) throw new ArgumentException($"item {i} has no labels; a majority vote needs at least one", nameof(labelsPerItem));
            var counts = labels.GroupBy(l => l).Select(g => (Label: g.Key, Count: g.Count())).ToList();
            int max = counts.Max(c => c.Count);
            var tied = counts.Where(c => c.Count == max).Select(c => c.Label).OrderBy(l => l, order).ToList();
            result[i] = tied.Count == 1 ? tied[0] : tied[rng.Next(tied.Count)];
        }
        return result;
    }
}
