using CausalPreference.Simulation;

namespace CausalPreference.Bench;

/// <summary>
/// A policy with an exactly known density over a world's grammar: P^f(x) = P^R(x)·exp(τ·g*(x)) / Z, with
/// Z = Σ_x P^R(x)·exp(τ·g*(x)) computed by enumerating every grammatical text (log-sum-exp). Texts outside the grammar
/// have probability 0.
/// </summary>
public sealed class TiltedPolicy
{
    readonly Dictionary<string, double> _logProb;
    readonly string[] _texts;
    readonly double[] _cumulative;

    /// <summary>V(f) = Σ_x P^f(x)·g*(x), exact.</summary>
    public double TrueValue { get; }

    /// <summary>1 / E_{P^R}[w²] with w = P^f/P^R: the expected ESS/n of importance weights on logged rows, as n → ∞.</summary>
    public double PopulationEssFraction { get; }

    TiltedPolicy(Dictionary<string, double> logProb, string[] texts, double[] cumulative, double value, double essFraction)
    {
        _logProb = logProb; _texts = texts; _cumulative = cumulative; TrueValue = value; PopulationEssFraction = essFraction;
    }

    /// <summary>The tilted policy of <paramref name="world"/> with tilt <paramref name="tau"/> (τ = 0 gives P^R itself).</summary>
    public static TiltedPolicy Create(World world, double tau)
    {
        var g = world.Grammar;
        var logits = g.Select(x => x.LogPropensity + tau * x.TrueMean).ToArray();
        double max = logits.Max();
        double logZ = max + Math.Log(logits.Sum(l => Math.Exp(l - max)));
        var logP = logits.Select(l => l - logZ).ToArray();
        double value = 0, secondMoment = 0, acc = 0;
        var cumulative = new double[g.Count];
        for (int i = 0; i < g.Count; i++)
        {
            double p = Math.Exp(logP[i]);
            value += p * g[i].TrueMean;
            secondMoment += Math.Exp(2 * logP[i] - g[i].LogPropensity); // Σ P^f² / P^R = E_R[w²]
            acc += p;
            cumulative[i] = acc;
        }
        cumulative[^1] = 1.0;
        var byText = new Dictionary<string, double>(StringComparer.Ordinal);
        for (int i = 0; i < g.Count; i++) byText[g[i].Text] = logP[i];
        return new TiltedPolicy(byText, g.Select(x => x.Text).ToArray(), cumulative, value, 1.0 / secondMoment);
    }

    /// <summary>Exact log P^f(text); −∞ outside the grammar.</summary>
    public double LogProb(string text) => _logProb.TryGetValue(text, out var lp) ? lp : double.NegativeInfinity;

    /// <summary>Draws <paramref name="count"/> texts from P^f (inverse-CDF sampling).</summary>
    public string[] Sample(int count, Random rng)
    {
        var result = new string[count];
        for (int j = 0; j < count; j++)
        {
            int i = Array.BinarySearch(_cumulative, rng.NextDouble());
            if (i < 0) i = ~i; else i++;
            result[j] = _texts[Math.Min(i, _texts.Length - 1)];
        }
        return result;
    }
}
