namespace CausalPreference.Causal;

/// <summary>
/// The ceilings on the log-magnitude of one Horvitz–Thompson term w·a (w = exp(log ratio)), in one place. Terms above a
/// ceiling are clipped (counted and warned): beyond it a term is astronomically large and meaningless.
/// <para>The two float64 ceilings differ on purpose and are kept as they were (changing either could change a result):
/// the training objective needs only the term and its gradient to stay finite, so it stops just below exp(709.78), the
/// largest double; a value estimate also sums the squared terms for its standard error, so it stops lower.</para>
/// </summary>
public static class OverflowGuard
{
    /// <summary>The training objective's ceiling in float64 (exp(709.78) is the largest double).</summary>
    public const double ObjectiveFloat64 = 700.0;
    /// <summary>The training objective's ceiling in float32 / bfloat16 (≈ exp(88.72)).</summary>
    public const double ObjectiveFloat32 = 80.0;
    /// <summary>The training objective's ceiling in float16 (65504 ≈ exp(11.09)).</summary>
    public const double ObjectiveFloat16 = 10.0;
    /// <summary>The value estimators' ceiling (float64, with room for the squared terms of the variance).</summary>
    public const double Estimate = 600.0;
}
