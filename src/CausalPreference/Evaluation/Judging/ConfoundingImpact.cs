namespace CausalPreference.Evaluation.Judging;

/// <summary>
/// The confounding study's "impact" (the paper's Table 4 / Figure 2; docs/math.md#confounding): impact = 0.5 − win rate of the
/// unconfounded model over the confounded one, with the CI transformed the same way ([0.5 − upper, 0.5 − lower]).
/// Negative impact means confounding hurt the method.
/// </summary>
/// <param name="Impact">0.5 − win rate.</param>
/// <param name="StandardError">Standard error of the win rate (unchanged by the shift and sign flip).</param>
/// <param name="Lower">0.5 − upper end of the win-rate CI.</param>
/// <param name="Upper">0.5 − lower end of the win-rate CI.</param>
/// <param name="WinRate">The underlying win rate.</param>
public sealed record ConfoundingImpact(double Impact, double StandardError, double Lower, double Upper, WinRate WinRate)
{
    /// <summary>True when the CI excludes 0 (equivalently the win-rate CI excludes 0.5).</summary>
    public bool Significant => WinRate.Significant;

    /// <summary>Impact from the unconfounded-over-confounded win rate.</summary>
    public static ConfoundingImpact From(WinRate unconfoundedOverConfounded)
    {
        ArgumentNullException.ThrowIfNull(unconfoundedOverConfounded);
        var w = unconfoundedOverConfounded;
        return new ConfoundingImpact(0.5 - w.Rate, w.StandardError, 0.5 - w.Upper, 0.5 - w.Lower, w);
    }

    /// <summary>"-0.046* [-0.086, -0.006]".</summary>
    public override string ToString() =>
        FormattableString.Invariant($"{Impact:+0.000;-0.000;0.000}{(Significant ? "*" : "")} [{Lower:+0.000;-0.000;0.000}, {Upper:+0.000;-0.000;0.000}]");
}
