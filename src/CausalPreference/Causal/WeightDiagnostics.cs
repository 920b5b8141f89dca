namespace CausalPreference.Causal;

/// <summary>
/// Health summary of a set of importance weights w_i = exp(logw_i), e.g. P^f(X_i)/P^R(X_i). Every quantity here is
/// scale-invariant (it does not change when all weights are multiplied by a constant), so it is the same for the
/// Horvitz–Thompson weights and for their self-normalized version. It is computed from log-weights in log space, so
/// log-ratios of ±1000 give finite, correct numbers.
/// </summary>
/// <param name="N">Number of weights.</param>
/// <param name="Ess">Kish effective sample size (Σw)²/Σw², between 1 and N (0 when every weight is zero).</param>
/// <param name="EssFraction">Ess / N. Near 1: the model and the logging distribution agree on these rows; below about
/// 0.1: a handful of rows carry the estimate.</param>
/// <param name="MaxNormalizedWeight">Largest share of the total weight held by one row, max_i w_i / Σw.</param>
/// <param name="Top5PercentShare">Share of the total weight held by the largest k = max(1, ⌊0.05·N⌋) weights.</param>
/// <param name="CoefficientOfVariation">Population standard deviation of w over its mean; CV² = N/Ess − 1.</param>
/// <param name="LogWeightMin">Smallest log-weight (after any clipping).</param>
/// <param name="LogWeightMax">Largest log-weight (after any clipping).</param>
/// <param name="ClippedCount">How many weights were clipped before these numbers were computed (0 when clipping is off).</param>
public sealed record WeightDiagnostics(
    int N,
    double Ess,
    double EssFraction,
    double MaxNormalizedWeight,
    double Top5PercentShare,
    double CoefficientOfVariation,
    double LogWeightMin,
    double LogWeightMax,
    int ClippedCount)
{
    /// <summary>
    /// Computes the diagnostics from log-weights. Entries of −∞ are allowed (zero weight); NaN and +∞ are not.
    /// The weights are rescaled by exp(−max logw) before anything is summed, so nothing overflows.
    /// </summary>
    /// <param name="logWeights">log w_i, one per row; at least one.</param>
    /// <param name="clipped">How many of these weights were clipped by the caller (reported, not applied here).</param>
    /// <exception cref="ArgumentException">Empty input, NaN or +∞ entries, or a negative clipped count.</exception>
    public static WeightDiagnostics FromLogWeights(double[] logWeights, int clipped = 0)
    {
        ArgumentNullException.ThrowIfNull(logWeights);
        if (logWeights.Length == 0)
            throw new ArgumentException("Weight diagnostics need at least one log-weight.", nameof(logWeights));
        if (clipped < 0)
            throw new ArgumentException($"The clipped count must be non-negative, got {clipped}.", nameof(clipped));
        int n = logWeights.Length;
        double lwMin = double.PositiveInfinity, lwMax = double.NegativeInfinity;
        for (int i = 0; i < n; i++)
        {
            double lw = logWeights[i];
            if (double.IsNaN(lw) || double.IsPositiveInfinity(lw))
                throw new ArgumentException(
                    $"Log-weight {i} is {lw}; log-weights must be finite or −∞ (zero weight). Check the sequence log-probabilities that produced it.",
                    nameof(logWeights));
            lwMin = Math.Min(lwMin, lw);
            lwMax = Math.Max(lwMax, lw);
        }
        if (double.IsNegativeInfinity(lwMax))
            return new WeightDiagnostics(n, 0, 0, double.NaN, double.NaN, double.NaN, lwMin, lwMax, clipped);

        // Rescaled weights u_i = exp(logw_i − max logw) ∈ [0, 1]; the largest equals 1, so Σu ≥ 1.
        var u = new double[n];
        double sum = 0, sumSq = 0;
        for (int i = 0; i < n; i++)
        {
            u[i] = Math.Exp(logWeights[i] - lwMax);
            sum += u[i];
            sumSq += u[i] * u[i];
        }
        double ess = sum * sum / sumSq;
        // Coefficient of variation, two-pass for accuracy when the weights are nearly equal.
        double mean = sum / n, dev = 0;
        for (int i = 0; i < n; i++) dev += (u[i] - mean) * (u[i] - mean);
        double cv = Math.Sqrt(dev / n) / mean;
        Array.Sort(u);
        int k = Math.Max(1, (int)Math.Floor(0.05 * n));
        double top = 0;
        for (int i = n - k; i < n; i++) top += u[i];
        return new WeightDiagnostics(n, ess, ess / n, 1.0 / sum, top / sum, cv, lwMin, lwMax, clipped);
    }

    /// <summary>
    /// Diagnostics of weights normalized within groups (experiments) whose totals are then averaged: row i of group e
    /// carries w_i / Σ_{k∈e} w_k / G of the total. ESS is the sum of the groups' Kish ESS (a group of k rows counts
    /// between 1 and k), so <see cref="EssFraction"/> is the share of rows that really carry the estimate; the largest
    /// and top-5% shares are of the averaged weights. Log-weight range as given.
    /// </summary>
    public static WeightDiagnostics FromGroupedLogWeights(double[] logWeights, IReadOnlyList<long[]> groups, int clipped = 0)
    {
        ArgumentNullException.ThrowIfNull(groups);
        var all = FromLogWeights(logWeights, clipped); // validates, and gives the range
        int n = logWeights.Length, G = groups.Count;
        var share = new double[n];
        double ess = 0;
        foreach (var g in groups)
        {
            var d = FromLogWeights(g.Select(i => logWeights[i]).ToArray());
            ess += d.Ess;
            double max = g.Max(i => logWeights[i]);
            double sum = g.Sum(i => Math.Exp(logWeights[i] - max));
            foreach (var i in g) share[i] = double.IsNegativeInfinity(max) ? 0 : Math.Exp(logWeights[i] - max) / sum / G;
        }
        double mean = 1.0 / n, dev = share.Sum(u => (u - mean) * (u - mean));
        var sorted = share.OrderBy(u => u).ToArray();
        int k = Math.Max(1, (int)Math.Floor(0.05 * n));
        return new WeightDiagnostics(n, ess, ess / n, sorted[^1], sorted.Skip(n - k).Sum(), Math.Sqrt(dev / n) / mean,
            all.LogWeightMin, all.LogWeightMax, clipped);
    }

    /// <summary>The mean weight (1/n) Σ exp(logw_i), through log-sum-exp so that nothing overflows. With log-weights
    /// ℓ^f − ℓ^FT on texts drawn like FT's it estimates the policy's probability on those texts relative to FT's.</summary>
    public static double MeanWeight(IReadOnlyCollection<double> logWeights)
    {
        if (logWeights.Count == 0) throw new ArgumentException("the mean weight needs at least one log-weight", nameof(logWeights));
        double max = logWeights.Max();
        return Math.Exp(max) * logWeights.Average(d => Math.Exp(d - max));
    }
}
