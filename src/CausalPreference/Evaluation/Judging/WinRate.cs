namespace CausalPreference.Evaluation.Judging;

/// <summary>
/// Win rate of a method over a baseline from pairwise judgments (docs/math.md#judging):
/// rate = mean of the 0/1 win vector over the valid judgments, SE = sample standard deviation (ddof = 1) / √N,
/// 95% CI = rate ± 1.96·SE, significant when the CI excludes 0.5. Invalid judgments are excluded from the rate
/// and always reported in <see cref="Invalid"/>.
/// </summary>
/// <param name="Rate">Fraction of valid judgments that prefer the method; NaN when there are none.</param>
/// <param name="StandardError">sd(ddof 1)/√N = sqrt(p(1−p)/(N−1)); NaN when N &lt; 2.</param>
/// <param name="Lower">Lower end of the 95% CI (rate − 1.96·SE).</param>
/// <param name="Upper">Upper end of the 95% CI (rate + 1.96·SE).</param>
/// <param name="Wins">Valid judgments preferring the method.</param>
/// <param name="Valid">Valid judgments N (wins + losses).</param>
/// <param name="Invalid">Judgments excluded as invalid.</param>
public sealed record WinRate(double Rate, double StandardError, double Lower, double Upper, int Wins, int Valid, int Invalid)
{
    /// <summary>Normal quantile for a two-sided 95% interval, as in the paper.</summary>
    public const double Z95 = 1.96;

    /// <summary>Valid judgments preferring the baseline.</summary>
    public int Losses => Valid - Wins;

    /// <summary>All judgments, valid or not.</summary>
    public int Total => Valid + Invalid;

    /// <summary>True when the 95% CI excludes 0.5 (in either direction; see <see cref="Rate"/> for which).</summary>
    public bool Significant => !double.IsNaN(Lower) && !double.IsNaN(Upper) && (Lower > 0.5 || Upper < 0.5);

    /// <summary>Win rate from a list of judgments.</summary>
    public static WinRate Compute(IEnumerable<Judgment> judgments)
    {
        ArgumentNullException.ThrowIfNull(judgments);
        int wins = 0, losses = 0, invalid = 0;
        foreach (var j in judgments)
        {
            switch (j)
            {
                case Judgment.Win: wins++; break;
                case Judgment.Loss: losses++; break;
                case Judgment.Invalid: invalid++; break;
                default: throw new ArgumentOutOfRangeException(nameof(judgments), j, "unknown judgment value");
            }
        }
        return FromCounts(wins, wins + losses, invalid);
    }

    /// <summary>Win rate from counts: <paramref name="wins"/> of <paramref name="valid"/> valid judgments, plus <paramref name="invalid"/> excluded ones.</summary>
    public static WinRate FromCounts(int wins, int valid, int invalid = 0)
    {
        if (valid < 0 || wins < 0 || wins > valid) throw new ArgumentOutOfRangeException(nameof(wins), $"need 0 <= wins ({wins}) <= valid ({valid})");
        if (invalid < 0) throw new ArgumentOutOfRangeException(nameof(invalid), "invalid count cannot be negative");
        if (valid == 0) return new WinRate(double.NaN, double.NaN, double.NaN, double.NaN, 0, 0, invalid);
        double n = valid, p = wins / n;
        // Sample variance of a 0/1 vector with ddof 1: Σ(x − p)² / (n − 1) = n·p(1 − p)/(n − 1); SE = sqrt(var / n).
        double se = valid < 2 ? double.NaN : Math.Sqrt(p * (1 - p) / (n - 1));
        return new WinRate(p, se, p - Z95 * se, p + Z95 * se, wins, valid, invalid);
    }

    /// <summary>
    /// Interval for a published proportion (e.g. to reproduce a reported cell from rate and N): the same formulas as
    /// <see cref="FromCounts"/> with p = <paramref name="rate"/>; <see cref="Wins"/> is round(rate·N).
    /// </summary>
    public static WinRate FromProportion(double rate, int valid, int invalid = 0)
    {
        if (!(rate >= 0 && rate <= 1)) throw new ArgumentOutOfRangeException(nameof(rate), $"a win rate must be in [0, 1] (got {rate})");
        if (valid < 1) throw new ArgumentOutOfRangeException(nameof(valid), "need at least one valid judgment");
        double se = valid < 2 ? double.NaN : Math.Sqrt(rate * (1 - rate) / (valid - 1.0));
        return new WinRate(rate, se, rate - Z95 * se, rate + Z95 * se, (int)Math.Round(rate * valid), valid, invalid);
    }

    /// <summary>The baseline's win rate over the method (the mirrored cell of Table 3): 1 − rate, same SE, mirrored CI.</summary>
    public WinRate Mirror() => new(1 - Rate, StandardError, 1 - Upper, 1 - Lower, Valid - Wins, Valid, Invalid);

    /// <summary>"0.560* [0.538, 0.582] (N = 2000, invalid 3)".</summary>
    public override string ToString() =>
        Valid == 0 ? $"n/a (no valid judgments, invalid {Invalid})"
        : FormattableString.Invariant($"{Rate:0.000}{(Significant ? "*" : "")} [{Lower:0.000}, {Upper:0.000}] (N = {Valid}, invalid {Invalid})");
}
