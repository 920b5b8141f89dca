namespace CausalPreference.Causal;

/// <summary>
/// The value of a model on held-out A/B tests, within experiments. In experiment e with rows a (its tested texts, Y_a
/// each text's mean outcome there, P^R(a | e) the design probability of the row), the model chooses among the tested
/// texts in proportion to its tilt from a base model (FT): π(a | e) ∝ P^R(a | e) · P^model(X_a) / P^base(X_a), so
/// <code>
///   V_e(model) = Σ_a softmax_a(ℓ^model(X_a) − ℓ^base(X_a) − log P^R(a | e)) · Y_a      (self-normalized within e)
///   V̂ = (1/E) Σ_e V_e        SE = sd_e(V_e) / √E        95% CI V̂ ± 1.96·SE
/// </code>
/// The base model's own value is the experiments' design-weighted mean (their plain mean when P^R(a | e) = 1/k_e).
/// Randomization within each experiment makes every Y_a unbiased for its text's mean outcome there; the experiments
/// are the units, so the estimate rests on E experiments, never on one row. It values choosing among the tested
/// texts, not texts the experiments never showed. A difference between two models is paired over experiments.
/// </summary>
public static class WithinExperimentValue
{
    /// <summary>Fewer held-out experiments than this (with at least two rows each): not estimable.</summary>
    public const int MinExperiments = 5;

    /// <summary>V_e of every experiment (in order of first appearance) for log-weights logw_i = ℓ^model − ℓ^base − log P^R(a | e).</summary>
    public static double[] PerExperiment(IReadOnlyList<double> logw, IReadOnlyList<double> outcome, IReadOnlyList<int> groups)
    {
        ArgumentNullException.ThrowIfNull(logw);
        ArgumentNullException.ThrowIfNull(outcome);
        ArgumentNullException.ThrowIfNull(groups);
        int n = outcome.Count;
        if (logw.Count != n || groups.Count != n) throw new ArgumentException("one log-weight, outcome and experiment per row is needed");
        for (int i = 0; i < n; i++)
            if (!double.IsFinite(logw[i]) || !double.IsFinite(outcome[i]))
                throw new ArgumentException($"row {i}: a log-probability or the outcome is not finite");
        return Experiments(groups).Select(rows =>
        {
            double max = rows.Max(i => logw[i]), sum = rows.Sum(i => Math.Exp(logw[i] - max));
            return rows.Sum(i => Math.Exp(logw[i] - max) / sum * outcome[i]);
        }).ToArray();
    }

    /// <summary>The rows of each experiment, in order of first appearance.</summary>
    public static int[][] Experiments(IReadOnlyList<int> groups) =>
        groups.Select((g, i) => (g, i)).GroupBy(p => p.g).Select(x => x.Select(p => p.i).ToArray()).ToArray();

    /// <summary>Mean of per-experiment values with the SE over experiments and the 95% interval.</summary>
    public static ValueEstimate Summarize(string name, double[] perExperiment, int contrasting)
    {
        int e = perExperiment.Length;
        double mean = perExperiment.Average();
        double se = e < 2 ? double.NaN : Math.Sqrt(perExperiment.Sum(v => (v - mean) * (v - mean)) / (e - 1) / e);
        var warnings = new List<string>();
        if (contrasting < MinExperiments)
            warnings.Add($"not estimable: {contrasting} held-out experiments with two or more rows (at least {MinExperiments} are needed)");
        return new ValueEstimate(name, mean, se, mean - ImprovementCertificate.Z95 * se, mean + ImprovementCertificate.Z95 * se, "over experiments", null, 0, warnings);
    }

    /// <summary>V̂ of a model relative to <paramref name="logpBase"/> (see the class), with its interval.</summary>
    public static ValueEstimate Estimate(double[] logpModel, double[] logpBase, double[] logpDesign, double[] outcome, int[] groups) =>
        Summarize("WITHIN", PerExperiment(LogWeights(logpModel, logpBase, logpDesign), outcome, groups), Contrasting(groups));

    /// <summary>V̂(A) − V̂(B), paired over experiments.</summary>
    public static ValueEstimate Difference(double[] logpA, double[] logpB, double[] logpBase, double[] logpDesign, double[] outcome, int[] groups)
    {
        var a = PerExperiment(LogWeights(logpA, logpBase, logpDesign), outcome, groups);
        var b = PerExperiment(LogWeights(logpB, logpBase, logpDesign), outcome, groups);
        return Summarize("WITHIN difference", a.Select((v, i) => v - b[i]).ToArray(), Contrasting(groups));
    }

    /// <summary>ℓ^model − ℓ^base − log P^R(a | e) per row.</summary>
    public static double[] LogWeights(double[] logpModel, double[] logpBase, double[] logpDesign)
    {
        if (logpModel.Length != logpBase.Length || logpModel.Length != logpDesign.Length)
            throw new ArgumentException("one log-probability per row is needed for the model, the base and the design");
        return logpModel.Select((v, i) => v - logpBase[i] - logpDesign[i]).ToArray();
    }

    /// <summary>The experiment index (0..G−1, in order of first appearance) of every row, from its experiment id.</summary>
    public static int[] Index(IEnumerable<string?> ids)
    {
        var map = new Dictionary<string, int>(StringComparer.Ordinal);
        return ids.Select(x => map.TryGetValue(x ?? "", out var k) ? k : map[x ?? ""] = map.Count).ToArray();
    }

    /// <summary>How many experiments have at least two rows (only they can tell texts apart).</summary>
    public static int Contrasting(IReadOnlyList<int> groups) => Experiments(groups).Count(r => r.Length >= 2);

    /// <summary>log(1/k_e) for every row: each of an experiment's k_e rows equally likely (one row per tested text).</summary>
    public static double[] ArmUniform(IReadOnlyList<int> groups)
    {
        var k = groups.GroupBy(g => g).ToDictionary(x => x.Key, x => x.Count());
        return groups.Select(g => -Math.Log(k[g])).ToArray();
    }
}
