namespace CausalPreference.Causal;

/// <summary>
/// A paired, held-out estimate of the improvement V(f) − V(FT) of a trained policy over the FT model it started from,
/// with a 95% lower confidence bound: the number a user can rely on, instead of the policy's own V̂.
/// </summary>
/// <remarks>
/// <para>On n held-out rows (X_i, Y_i) drawn from the logging distribution P^R (never used for training), with the
/// importance ratios r_i^f = P^f(X_i)/P^R(X_i) and r_i^FT = P^FT(X_i)/P^R(X_i):</para>
/// <code>
///   t_i = (r_i^f − r_i^FT) · (Y_i − c)          Δ̂ = (1/n) Σ_i t_i          SE = sd(t) / √n
///   lower bound = Δ̂ − 1.96 · SE                 (the lower end of the two-sided 95% interval)
/// </code>
/// <para><b>Why it is unbiased.</b> E[t] = Σ_{x in supp P^R} (P^f(x) − P^FT(x)) (g(x) − c). Writing V(f) = Σ_x P^f(x) g(x)
/// and assuming every text OUTSIDE the data's support gets the outcome c (the floor: a reader rates a text the
/// experiment never showed — in practice, a broken one — lowest), V(f) − V(FT) = Σ_{x in supp} (P^f − P^FT)(g − c)
/// exactly, because both models' probabilities sum to one. So the mass a policy moves off the support costs it
/// (g − c) per unit, instead of being ignored as a self-normalized estimate would. With c = the lowest outcome the
/// scale allows this is a pessimistic accounting of off-support text; with c = a value below the reader's real floor,
/// still conservative whenever f is not more grammatical than FT.</para>
/// <para><b>Which P^R.</b> With design probabilities (a randomized experiment) the ratios are exact. Without them the
/// FT model stands in for P^R (r^FT = 1, r^f = P^f/P^FT): then the estimate assumes FT reproduces the logging
/// distribution on the data's support; report that assumption with the number.</para>
/// <para><b>No winner's curse.</b> A run picks its checkpoint by this bound on one half of the held-out rows and
/// states the bound computed on the other half; the stated bound does not inherit the selection's optimism.</para>
/// </remarks>
/// <param name="Improvement">Δ̂, the estimated V(f) − V(FT).</param>
/// <param name="StdError">sd(t)/√n (sample sd, n − 1 denominator).</param>
/// <param name="Lower">Δ̂ − 1.96·SE: "improvement over FT ≥ Lower (95%)" when it is above 0.</param>
/// <param name="Upper">Δ̂ + 1.96·SE.</param>
/// <param name="Rows">n, the held-out rows it rests on.</param>
/// <param name="EssFraction">Kish ESS / n of the policy's ratios r^f on these rows (how many rows really carry it).</param>
/// <param name="Floor">c, the outcome assumed for text outside the data's support (oriented: larger is better).</param>
/// <param name="DesignProbabilities">True when P^R came from design probabilities, false when the FT model stood in for it.</param>
/// <param name="Experiments">Within experiments (<see cref="ComputeWithinExperiments"/>): how many held-out experiments the
/// estimate averages (its SE is over experiments); 0 for the pooled certificate.</param>
/// <param name="RetainedMass">Mean of P^f/P^FT over the held-out texts: the policy's probability on the data's texts
/// relative to FT's (about 1 when it stays on them; 0.4 when it moved most of its mass elsewhere).</param>
public sealed record ImprovementCertificate(double Improvement, double StdError, double Lower, double Upper, int Rows,
    double EssFraction, double Floor, bool DesignProbabilities, int Experiments = 0, double? RetainedMass = null)
{
    /// <summary>Mean of exp(ℓ^f − ℓ^FT) over the held-out texts.</summary>
    static double Retained(double[] logpPolicy, double[] logpFt) =>
        WeightDiagnostics.MeanWeight(logpPolicy.Select((v, i) => v - logpFt[i]).ToArray());

    /// <summary>z of the two-sided 95% interval whose lower end is the bound.</summary>
    public const double Z95 = 1.96;

    /// <summary>Fewer effective rows than this: the bound is "not estimable", not a number to rely on.</summary>
    public const double MinEffectiveRows = 5;

    /// <summary>True when the bound is above 0 and rests on at least <see cref="MinEffectiveRows"/> effective rows.</summary>
    public bool Certified => Lower > 0 && Estimable;

    /// <summary>True when the policy's ratios have at least <see cref="MinEffectiveRows"/> effective rows.</summary>
    public bool Estimable => EssFraction * Rows >= MinEffectiveRows && double.IsFinite(Lower);

    /// <summary>The bound as a table cell: "0.123", "-0.045 (none)" when not above 0, or "not estimable".</summary>
    public string Cell => !Estimable ? "not estimable" : Certified ? Fmt.Value(Lower) : $"{Fmt.Value(Lower)} (none)";

    /// <summary>The sentence every run states.</summary>
    public string Statement =>
        !Estimable ? $"improvement over FT not estimable: the held-out importance weights rest on {EssFraction * Rows:0.#} of {Rows} rows"
        : Certified ? $"improvement over FT ≥ {Fmt.Value(Lower)} (95%; estimate {Fmt.Difference(Improvement)}, {Where})"
        : $"no certified improvement over FT (estimate {Fmt.Difference(Improvement)}, 95% lower bound {Fmt.Difference(Lower)}, {Where})";

    // decimals from the uncertainty: three for a rating scale (SE ≈ 0.05), more for click rates (SE 0.0002 → +0.00012)
    Reporting.NumberFormat Fmt => new(double.IsFinite(StdError) && StdError > 0 ? Math.Min(5, StdError * 100) : 5);

    string Where => Experiments > 0 ? $"{Rows} held-out rows in {Experiments} experiments, within each" : $"{Rows} held-out rows";

    /// <summary>
    /// The certificate of a policy trained with weights normalized within experiments. In held-out experiment e with
    /// rows a (tested texts), the policy's value is V_e(f) = Σ_a softmax_a(ℓ^f − ℓ^FT − log P^R(a | e)) Y_a and FT's is
    /// V_e(FT) = Σ_a softmax_a(−log P^R(a | e)) Y_a (the experiment's own mean when P^R(a | e) = 1/k_e). Then
    /// <code>  Δ̂ = (1/E) Σ_e (V_e(f) − V_e(FT))     SE = sd_e / √E     lower bound = Δ̂ − 1.96·SE  </code>
    /// The randomization within each experiment makes every Y_a unbiased for its text's mean outcome there, so Δ̂ is
    /// unbiased for the improvement of choosing among the tested texts (in proportion to the policy) over the
    /// experiment's own allocation. It says nothing about text outside the experiments (no floor is needed or used).
    /// </summary>
    /// <exception cref="ArgumentException">Lengths differ, fewer than 2 experiments, or a non-finite input.</exception>
    public static ImprovementCertificate ComputeWithinExperiments(double[] policyLogp, double[] logpFt, double[] logpDesign, double[] outcome, int[] groups)
    {
        ArgumentNullException.ThrowIfNull(policyLogp);
        ArgumentNullException.ThrowIfNull(logpFt);
        ArgumentNullException.ThrowIfNull(logpDesign);
        ArgumentNullException.ThrowIfNull(outcome);
        ArgumentNullException.ThrowIfNull(groups);
        int n = outcome.Length;
        if (policyLogp.Length != n || logpFt.Length != n || logpDesign.Length != n || groups.Length != n)
            throw new ArgumentException("the certificate's inputs must have one entry per held-out row");
        var byExperiment = WithinExperimentValue.Experiments(groups);
        int e = byExperiment.Length;
        if (e < 2) throw new ArgumentException($"the certificate needs at least 2 held-out experiments (got {e})", nameof(groups));
        // V_e(f) − V_e(FT): the policy tilted from FT, against FT itself (a zero tilt)
        var d = WithinExperimentValue.Difference(policyLogp, logpFt, logpFt, logpDesign, outcome, groups);
        double mean = d.Estimate, se = d.StdError;
        var logw = WithinExperimentValue.LogWeights(policyLogp, logpFt, logpDesign);
        var diag = WeightDiagnostics.FromGroupedLogWeights(logw, byExperiment.Select(r => r.Select(i => (long)i).ToArray()).ToList());
        return new ImprovementCertificate(mean, se, mean - Z95 * se, mean + Z95 * se, n, diag.EssFraction, 0, true, e, Retained(policyLogp, logpFt));
    }

    /// <summary>
    /// Computes the certificate. <paramref name="policyLogp"/> and <paramref name="logpFt"/> are the sequence
    /// log-probabilities of the held-out texts under the policy and under FT; <paramref name="logpDesign"/> the design
    /// log-probabilities log P^R(X_i), or null to let FT stand in for P^R; <paramref name="outcome"/> the oriented outcomes.
    /// </summary>
    /// <exception cref="ArgumentException">Lengths differ, fewer than 2 rows, or a non-finite input.</exception>
    public static ImprovementCertificate Compute(double[] policyLogp, double[] logpFt, double[]? logpDesign, double[] outcome, double floor)
    {
        ArgumentNullException.ThrowIfNull(policyLogp);
        ArgumentNullException.ThrowIfNull(logpFt);
        ArgumentNullException.ThrowIfNull(outcome);
        int n = outcome.Length;
        if (n < 2) throw new ArgumentException($"the certificate needs at least 2 held-out rows (got {n})", nameof(outcome));
        if (policyLogp.Length != n || logpFt.Length != n || (logpDesign != null && logpDesign.Length != n))
            throw new ArgumentException("the certificate's inputs must have one entry per held-out row");
        if (!double.IsFinite(floor)) throw new ArgumentException($"the outcome floor must be finite (got {floor})", nameof(floor));
        var t = new double[n];
        var logRatio = new double[n];
        for (int i = 0; i < n; i++)
        {
            double reference = logpDesign?[i] ?? logpFt[i];
            if (!double.IsFinite(policyLogp[i]) || !double.IsFinite(logpFt[i]) || !double.IsFinite(reference) || !double.IsFinite(outcome[i]))
                throw new ArgumentException($"held-out row {i}: a log-probability or the outcome is not finite");
            logRatio[i] = policyLogp[i] - reference;
            t[i] = (Math.Exp(logRatio[i]) - Math.Exp(logpFt[i] - reference)) * (outcome[i] - floor);
        }
        double mean = t.Average();
        double ss = 0;
        foreach (var v in t) ss += (v - mean) * (v - mean);
        double se = Math.Sqrt(ss / (n - 1) / n);
        var diag = WeightDiagnostics.FromLogWeights(logRatio);
        return new ImprovementCertificate(mean, se, mean - Z95 * se, mean + Z95 * se, n, diag.EssFraction, floor, logpDesign != null, 0, Retained(policyLogp, logpFt));
    }
}
