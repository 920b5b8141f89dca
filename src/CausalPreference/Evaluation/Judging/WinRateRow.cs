namespace CausalPreference.Evaluation.Judging;

/// <summary>One bar of a win-rate plot: the method's win rate over the baseline with its 95% CI.</summary>
/// <param name="Method">The method (left part of the bar).</param>
/// <param name="Baseline">The baseline (right part).</param>
/// <param name="Rate">Method-over-baseline win rate.</param>
/// <param name="Lower">Lower end of the CI.</param>
/// <param name="Upper">Upper end of the CI.</param>
/// <param name="Significant">Whether the CI excludes 0.5 (marked with *).</param>
public sealed record WinRateRow(string Method, string Baseline, double Rate, double Lower, double Upper, bool Significant)
{
    /// <summary>A row from a computed <see cref="WinRate"/>.</summary>
    public static WinRateRow From(string method, string baseline, WinRate rate)
    {
        ArgumentNullException.ThrowIfNull(rate);
        return new WinRateRow(method, baseline, rate.Rate, rate.Lower, rate.Upper, rate.Significant);
    }
}
