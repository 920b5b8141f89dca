namespace CausalPreference.Evaluation.Judging;

/// <summary>Agreement statistics of a <see cref="RatingSet"/>.</summary>
/// <param name="Items">Distinct items.</param>
/// <param name="Raters">Distinct raters.</param>
/// <param name="Labels">Distinct labels (ordinal order).</param>
/// <param name="Ratings">Ratings in all.</param>
/// <param name="FleissKappa">Fleiss' κ over all ratings (NaN when undefined).</param>
/// <param name="Phi">Phi correlation when there are exactly two raters and at most two labels, over the items both rated; else null.</param>
/// <param name="PhiItems">Items rated by both raters (the φ sample), when φ applies.</param>
public sealed record AgreementReport(int Items, int Raters, IReadOnlyList<string> Labels, int Ratings, double FleissKappa, double? Phi, int? PhiItems);
