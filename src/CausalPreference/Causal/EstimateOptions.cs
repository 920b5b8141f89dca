namespace CausalPreference.Causal;

/// <summary>How a confidence interval is computed.</summary>
public enum CiMethod
{
    /// <summary>Normal interval from the estimator's influence function: V̂ ± 1.96·SE.</summary>
    InfluenceFunction,
    /// <summary>Nonparametric bootstrap, percentile interval; rows and policy samples are resampled independently.</summary>
    Bootstrap,
}

/// <summary>Options for <see cref="IValueEstimator.Estimate"/>.</summary>
/// <param name="MaxWeight">Clip importance ratios P^f/P^R at this value (must be &gt; 0): a cap on the ratio itself,
/// not on its log (the training objectives' <see cref="ObjectiveOptions.MaxLogWeight"/> caps log-ratios). Off by default; the clipped
/// count is reported in <see cref="ValueEstimate.Clipped"/> and in the warnings.</param>
/// <param name="RefuseOnPoorOverlap">Throw <see cref="InvalidOperationException"/> instead of warning when the ESS
/// fraction is below <paramref name="MinEssFraction"/>.</param>
/// <param name="MinEssFraction">ESS/n below which overlap is called poor (default 0.10).</param>
/// <param name="Ci">Influence-function (default) or bootstrap interval.</param>
/// <param name="BootstrapResamples">Number B of bootstrap resamples.</param>
/// <param name="Seed">Seed of the bootstrap's random generator.</param>
public sealed record EstimateOptions(
    double? MaxWeight = null,
    bool RefuseOnPoorOverlap = false,
    double MinEssFraction = 0.10,
    CiMethod Ci = CiMethod.InfluenceFunction,
    int BootstrapResamples = 1000,
    int Seed = 0)
{
    internal void Validate()
    {
        if (MaxWeight is double w && !(w > 0))
            throw new ArgumentException($"MaxWeight must be a positive number (or null for no clipping); got {w}.");
        if (!(MinEssFraction >= 0 && MinEssFraction <= 1))
            throw new ArgumentException($"MinEssFraction must lie in [0, 1]; got {MinEssFraction}.");
        if (Ci == CiMethod.Bootstrap && BootstrapResamples < 2)
            throw new ArgumentException($"The bootstrap needs at least 2 resamples; got {BootstrapResamples}.");
    }
}
