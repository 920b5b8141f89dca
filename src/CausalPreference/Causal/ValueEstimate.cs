namespace CausalPreference.Causal;

/// <summary>An off-policy estimate of a model's value V(f) = E_{X~P^f}[g(X)], with its uncertainty and diagnostics.</summary>
/// <param name="Name">Estimator name (IPW, SNIPW, DM, DR, SNDR; "… difference" for <see cref="Estimators.Difference"/>).</param>
/// <param name="Estimate">Point estimate on the outcome's raw scale.</param>
/// <param name="StdError">Standard error: influence-function, or the standard deviation of the bootstrap estimates.
/// NaN when it cannot be estimated (fewer than two rows or samples; see the warnings).</param>
/// <param name="CiLow">Lower end of the 95% interval.</param>
/// <param name="CiHigh">Upper end of the 95% interval.</param>
/// <param name="CiMethod">"influence-function" or "bootstrap".</param>
/// <param name="Diagnostics">Importance-weight diagnostics of the logged rows (after clipping).</param>
/// <param name="Clipped">How many importance ratios were clipped (explicit MaxWeight plus the overflow guard).</param>
/// <param name="Warnings">Human-readable warnings (poor overlap, clipping, missing standard error, …).</param>
public sealed record ValueEstimate(
    string Name,
    double Estimate,
    double StdError,
    double CiLow,
    double CiHigh,
    string CiMethod,
    WeightDiagnostics? Diagnostics,
    int Clipped,
    IReadOnlyList<string> Warnings);
