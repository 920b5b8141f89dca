namespace CausalPreference.Reporting;

/// <summary>One estimate of V(model) − V(baseline) that a verdict can rest on.</summary>
/// <param name="Estimator">WITHIN, SNDR, DR, SNIPW, IPW or DM.</param>
/// <param name="Difference">The paired difference on the raw outcome scale.</param>
/// <param name="CiLow">Lower end of its 95% interval.</param>
/// <param name="CiHigh">Upper end of its 95% interval.</param>
/// <param name="EffectiveRows">Kish ESS of the model's importance weights on the held-out rows (null for DM and WITHIN).</param>
/// <param name="Experiments">WITHIN: held-out experiments with two or more rows.</param>
public sealed record LiftEvidence(string Estimator, double Difference, double CiLow, double CiHigh, double? EffectiveRows = null, int? Experiments = null);
