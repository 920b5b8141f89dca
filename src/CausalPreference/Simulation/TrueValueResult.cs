namespace CausalPreference.Simulation;

/// <summary>
/// The true value of a set of texts (e.g. samples from a trained model) under the realistic reader: the mean of g* over them, with a normal
/// 95% interval mean ± 1.96·sd/√N (sample sd, N−1 denominator) that reflects only the sampling of the texts.
/// </summary>
/// <param name="Mean">Mean of g*(x) over the texts.</param>
/// <param name="StdError">sd/√N; NaN when N &lt; 2.</param>
/// <param name="CiLow">Mean − 1.96·StdError.</param>
/// <param name="CiHigh">Mean + 1.96·StdError.</param>
/// <param name="N">Number of texts.</param>
/// <param name="FractionGrammatical">Share of texts that the grammar generates exactly (P^R(x) &gt; 0).</param>
/// <param name="PhraseSumMean">Mean of the lenient phrase-sum score (<see cref="World.PhraseSumMean"/>) over the same texts, for comparison with the paper's setting.</param>
/// <param name="PhraseSumStdError">Its sd/√N.</param>
/// <param name="GrammaticalMean">Mean g* of the grammatical texts alone (NaN when there are none): how good the texts are
/// that the reader can read, apart from how many of them there are.</param>
public sealed record TrueValueResult(double Mean, double StdError, double CiLow, double CiHigh, int N, double FractionGrammatical,
    double PhraseSumMean = double.NaN, double PhraseSumStdError = double.NaN, double GrammaticalMean = double.NaN);
