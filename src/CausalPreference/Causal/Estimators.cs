namespace CausalPreference.Causal;

// ─────────────────────────────────────────────────────────────────────────────────────────────────────────────────────
// Off-policy value estimation of a model f from held-out logged data (obp style: one interface, one class each).
// w_i = P^f(X_i)/P^R(X_i) = exp(LogpPolicy_i − LogpLogging_i);  c_i = row weight (default 1);  X̃_j ~ P^f, j = 1..m.
//   IPW   V̂ = Σ c_i w_i Y_i / Σ c_i                                       (Horvitz–Thompson)
//   SNIPW V̂ = Σ c_i w_i Y_i / Σ c_i w_i                                   (Hájek, self-normalized)
//   DM    V̂ = (1/m) Σ_j ĝ(X̃_j)
//   DR    V̂ = DM + Σ c_i w_i (Y_i − ĝ(X_i)) / Σ c_i
//   SNDR  V̂ = DM + Σ c_i w_i (Y_i − ĝ(X_i)) / Σ c_i w_i
// Each labeled term is a ratio R = Σ num_i / Σ den_i with influence function ψ_i = (num_i − R·den_i)/mean(den);
// the policy-sample term has ψ_j = ĝ(X̃_j) − DM. Then SE = sqrt(var(ψ)/n + var(ψ̃)/m) (sample variances, ddof 1).
// With c ≡ 1 this is: IPW sd(wY)/√n; SNIPW sd(w(Y − V̂))/(mean(w)√n); DM sd(ĝ(X̃))/√m;
// DR sqrt(var(w(Y − ĝ))/n + var(ĝ(X̃))/m); SNDR the same with the self-normalized residual term.
// ─────────────────────────────────────────────────────────────────────────────────────────────────────────────────────

/// <summary>An off-policy value estimator: every estimator has this one interface.</summary>
public interface IValueEstimator
{
    /// <summary>Short name, e.g. "SNIPW".</summary>
    string Name { get; }

    /// <summary>Estimates V(f) from <paramref name="data"/>.</summary>
    ValueEstimate Estimate(LoggedSample data, EstimateOptions? options = null);
}

/// <summary>
/// Shared machinery of the built-in estimators: validation, clipping (only when asked, always counted), the
/// Horvitz–Thompson overflow guard, overlap warnings, influence-function and bootstrap intervals.
/// </summary>
public abstract class ValueEstimator : IValueEstimator
{
    /// <summary>Two-sided 95% normal quantile.</summary>
    public const double Z95 = 1.959963984540054;

    /// <summary>
    /// Horvitz–Thompson terms w_i·a_i are kept below exp(HtLogCeiling) by clipping log w_i at
    /// HtLogCeiling − log max(|a_i|, 1) (counted and warned). Beyond it the estimate is astronomically large and
    /// meaningless, and its variance would overflow a double.
    /// </summary>
    public const double HtLogCeiling = OverflowGuard.Estimate;

    /// <inheritdoc/>
    public abstract string Name { get; }

    internal abstract bool UsesWeights { get; }
    internal abstract bool NeedsOutcomeHat { get; }
    internal abstract bool NeedsPolicySamples { get; }

    /// <summary>The multiplier a_i of w_i in a Horvitz–Thompson term (for the overflow guard), or null when none.</summary>
    internal virtual double[]? HtMultiplier(Prepared p) => null;

    /// <summary>Point estimate and influence-function contributions on (possibly resampled) data.</summary>
    internal abstract Parts Compute(Prepared p);

    /// <inheritdoc/>
    public ValueEstimate Estimate(LoggedSample data, EstimateOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(data);
        options ??= new EstimateOptions();
        options.Validate();
        var prep = Prepare(data, options, "");
        var full = ComputeOrThrow(prep.Data);
        var warnings = new List<string>(prep.Warnings);

        double se, lo, hi;
        string method;
        if (options.Ci == CiMethod.Bootstrap)
        {
            method = "bootstrap";
            var rng = new Random(options.Seed);
            var stats = new List<double>(options.BootstrapResamples);
            for (int b = 0; b < options.BootstrapResamples; b++)
            {
                var rows = Draw(rng, prep.Data.N);
                var samples = prep.Data.GTilde is null ? null : Draw(rng, prep.Data.M);
                stats.Add(Compute(prep.Data.Resample(rows, samples)).Value);
            }
            (se, lo, hi) = Stats.Percentile(stats, warnings);
        }
        else
        {
            method = "influence-function";
            se = Stats.Hypot(Stats.SdOverSqrtN(full.LabeledIf), Stats.SdOverSqrtN(full.UnlabeledIf));
            lo = full.Value - Z95 * se;
            hi = full.Value + Z95 * se;
            AddSmallSampleWarning(prep.Data, warnings);
        }
        return new ValueEstimate(Name, full.Value, se, lo, hi, method, prep.Diagnostics, prep.Clipped, warnings);
    }

    internal Parts ComputeOrThrow(Prepared p)
    {
        var parts = Compute(p);
        if (!double.IsFinite(parts.Value))
            throw new InvalidOperationException(
                $"{Name}: the estimate is {parts.Value}: the model gives zero probability to every logged row with positive " +
                "row weight, so a self-normalized estimate is undefined. Check the log-probabilities or use DM.");
        return parts;
    }

    void AddSmallSampleWarning(Prepared p, List<string> warnings)
    {
        if (NeedsLabeled && p.N < 2)
            warnings.Add($"{Name}: only n = {p.N} logged row: a standard error needs at least two, so StdError and the interval are NaN.");
        if (NeedsPolicySamples && p.M < 2)
            warnings.Add($"{Name}: only m = {p.M} policy sample: a standard error needs at least two, so StdError and the interval are NaN.");
    }

    bool NeedsLabeled => UsesWeights;

    internal static int[] Draw(Random rng, int count)
    {
        var idx = new int[count];
        for (int i = 0; i < count; i++) idx[i] = rng.Next(count);
        return idx;
    }

    /// <summary>Validates, computes log-ratios, applies clipping and the overflow guard, and builds diagnostics.</summary>
    internal PreparedResult Prepare(LoggedSample data, EstimateOptions options, string prefix)
    {
        data.Validate(Name, NeedsOutcomeHat, NeedsPolicySamples);
        int n = data.N;
        var logW = new double[n];
        for (int i = 0; i < n; i++) logW[i] = data.PolicyLogp[i] - data.ReferenceLogp[i];
        var c = data.Weights ?? Enumerable.Repeat(1.0, n).ToArray();
        var p = new Prepared(logW, data.Outcome, data.OutcomeHat, data.OutcomeHatTilde, c);
        var warnings = new List<string>();

        int explicitClipped = 0, guardClipped = 0;
        if (options.MaxWeight is double maxW && UsesWeights)
        {
            double cap = Math.Log(maxW);
            for (int i = 0; i < n; i++)
                if (logW[i] > cap) { logW[i] = cap; explicitClipped++; }
            if (explicitClipped > 0)
                warnings.Add($"{prefix}{explicitClipped} of {n} importance weights were clipped at MaxWeight = {maxW}; " +
                             "the estimate is biased toward the logging distribution's value.");
        }
        if (HtMultiplier(p) is double[] a)
        {
            for (int i = 0; i < n; i++)
            {
                double ceiling = HtLogCeiling - Math.Log(Math.Max(Math.Abs(a[i]), 1.0));
                if (logW[i] > ceiling) { logW[i] = ceiling; guardClipped++; }
            }
            if (guardClipped > 0)
                warnings.Add($"{prefix}{guardClipped} of {n} log importance ratios exceeded the overflow guard of {Name} " +
                             $"(log w + log max(|term|, 1) ≤ {HtLogCeiling}) and were clipped: the unnormalized estimate is " +
                             "astronomically large there and meaningless; use SNIPW or SNDR.");
        }
        var diagnostics = WeightDiagnostics.FromLogWeights(logW, explicitClipped + guardClipped);
        if (UsesWeights && diagnostics.EssFraction < options.MinEssFraction)
        {
            string text = $"{prefix}{Name}: only {diagnostics.Ess:0.#} effective samples of {n}; the model puts its mass where " +
                          "the logged data has little: estimates are unreliable.";
            if (options.RefuseOnPoorOverlap) throw new InvalidOperationException(text);
            warnings.Add(text);
        }
        return new PreparedResult(p, diagnostics, explicitClipped + guardClipped, warnings);
    }

    internal sealed record PreparedResult(Prepared Data, WeightDiagnostics Diagnostics, int Clipped, List<string> Warnings);

    // ── Shared building blocks ──────────────────────────────────────────────────────────────────────────────────

    /// <summary>Ratio R = Σ num / Σ den and its influence function ψ_i = (num_i − R·den_i)/mean(den).</summary>
    internal static (double R, double[] If) Ratio(double[] num, double[] den)
    {
        double sNum = 0, sDen = 0;
        for (int i = 0; i < num.Length; i++) { sNum += num[i]; sDen += den[i]; }
        double r = sNum / sDen, meanDen = sDen / den.Length;
        var psi = new double[num.Length];
        for (int i = 0; i < num.Length; i++) psi[i] = (num[i] - r * den[i]) / meanDen;
        return (r, psi);
    }

    /// <summary>Row weight times importance ratio, c_i·exp(logw_i), unscaled (Horvitz–Thompson).</summary>
    internal static double[] HtWeights(Prepared p)
    {
        var w = new double[p.N];
        for (int i = 0; i < p.N; i++) w[i] = p.C[i] * Math.Exp(p.LogW[i]);
        return w;
    }

    /// <summary>c_i·exp(logw_i − max_k(logw_k + log c_k)): the same up to one factor, largest entry 1 (self-normalized).</summary>
    internal static double[] ScaledWeights(Prepared p)
    {
        double max = double.NegativeInfinity;
        for (int i = 0; i < p.N; i++)
            if (p.C[i] > 0) max = Math.Max(max, p.LogW[i] + Math.Log(p.C[i]));
        var w = new double[p.N];
        if (double.IsNegativeInfinity(max)) return w; // every effective weight is zero
        for (int i = 0; i < p.N; i++) w[i] = p.C[i] > 0 ? Math.Exp(p.LogW[i] + Math.Log(p.C[i]) - max) : 0.0;
        return w;
    }

    /// <summary>Direct-method term: mean of ĝ(X̃_j) and ψ̃_j = ĝ(X̃_j) − mean.</summary>
    internal static (double Mean, double[] If) PolicySampleMean(double[] g)
    {
        var (r, psi) = Ratio(g, Enumerable.Repeat(1.0, g.Length).ToArray());
        return (r, psi);
    }

    internal static double[] Times(double[] a, double[] b)
    {
        var r = new double[a.Length];
        for (int i = 0; i < a.Length; i++) r[i] = a[i] * b[i];
        return r;
    }

    internal static double[] Residual(Prepared p)
    {
        var r = new double[p.N];
        for (int i = 0; i < p.N; i++) r[i] = p.Y[i] - p.GHat![i];
        return r;
    }
}

/// <summary>Data after validation, clipping and defaults; rows and policy samples can be resampled.</summary>
internal sealed record Prepared(double[] LogW, double[] Y, double[]? GHat, double[]? GTilde, double[] C)
{
    public int N => Y.Length;
    public int M => GTilde?.Length ?? 0;

    public Prepared Resample(int[] rows, int[]? samples) => new(
        rows.Select(i => LogW[i]).ToArray(),
        rows.Select(i => Y[i]).ToArray(),
        GHat is null ? null : rows.Select(i => GHat[i]).ToArray(),
        GTilde is null || samples is null ? GTilde : samples.Select(j => GTilde[j]).ToArray(),
        rows.Select(i => C[i]).ToArray());
}

/// <summary>Point estimate plus influence-function contributions (null where a part is absent).</summary>
internal sealed record Parts(double Value, double[]? LabeledIf, double[]? UnlabeledIf);

/// <summary>Inverse probability weighting (Horvitz–Thompson): V̂ = Σ c w Y / Σ c. Unbiased, high variance.</summary>
public sealed class Ipw : ValueEstimator
{
    /// <inheritdoc/>
    public override string Name => "IPW";
    internal override bool UsesWeights => true;
    internal override bool NeedsOutcomeHat => false;
    internal override bool NeedsPolicySamples => false;
    internal override double[]? HtMultiplier(Prepared p) => p.Y;

    internal override Parts Compute(Prepared p)
    {
        // V̂ = Σ_i c_i w_i Y_i / Σ_i c_i,   ψ_i = c_i (w_i Y_i − V̂) / mean(c)
        var (v, psi) = Ratio(Times(HtWeights(p), p.Y), p.C);
        return new Parts(v, psi, null);
    }
}

/// <summary>Self-normalized IPW (Hájek): V̂ = Σ c w Y / Σ c w. Slightly biased, much lower variance; the default choice.</summary>
public sealed class Snipw : ValueEstimator
{
    /// <inheritdoc/>
    public override string Name => "SNIPW";
    internal override bool UsesWeights => true;
    internal override bool NeedsOutcomeHat => false;
    internal override bool NeedsPolicySamples => false;

    internal override Parts Compute(Prepared p)
    {
        // V̂ = Σ_i c_i w_i Y_i / Σ_i c_i w_i,   ψ_i = c_i w_i (Y_i − V̂) / mean(c w)   (delta method)
        var cw = ScaledWeights(p);
        var (v, psi) = Ratio(Times(cw, p.Y), cw);
        return new Parts(v, psi, null);
    }
}

/// <summary>Direct method: V̂ = mean of ĝ(X̃_j) over texts sampled from the model. Only as good as ĝ.</summary>
public sealed class DirectMethod : ValueEstimator
{
    /// <inheritdoc/>
    public override string Name => "DM";
    internal override bool UsesWeights => false;
    internal override bool NeedsOutcomeHat => false;
    internal override bool NeedsPolicySamples => true;

    internal override Parts Compute(Prepared p)
    {
        // V̂ = (1/m) Σ_j ĝ(X̃_j),   ψ̃_j = ĝ(X̃_j) − V̂
        var (v, psi) = PolicySampleMean(p.GTilde!);
        return new Parts(v, null, psi);
    }
}

/// <summary>Doubly robust: V̂ = DM + Σ c w (Y − ĝ(X)) / Σ c. Unbiased if the logging probabilities or ĝ are right.</summary>
public sealed class DoublyRobust : ValueEstimator
{
    /// <inheritdoc/>
    public override string Name => "DR";
    internal override bool UsesWeights => true;
    internal override bool NeedsOutcomeHat => true;
    internal override bool NeedsPolicySamples => true;
    internal override double[]? HtMultiplier(Prepared p) => Residual(p);

    internal override Parts Compute(Prepared p)
    {
        // V̂ = (1/m) Σ_j ĝ(X̃_j) + Σ_i c_i w_i (Y_i − ĝ(X_i)) / Σ_i c_i
        var (dm, psiTilde) = PolicySampleMean(p.GTilde!);
        var (corr, psi) = Ratio(Times(HtWeights(p), Residual(p)), p.C);
        return new Parts(dm + corr, psi, psiTilde);
    }
}

/// <summary>Self-normalized doubly robust: V̂ = DM + Σ c w (Y − ĝ(X)) / Σ c w.</summary>
public sealed class SelfNormalizedDoublyRobust : ValueEstimator
{
    /// <inheritdoc/>
    public override string Name => "SNDR";
    internal override bool UsesWeights => true;
    internal override bool NeedsOutcomeHat => true;
    internal override bool NeedsPolicySamples => true;

    internal override Parts Compute(Prepared p)
    {
        // V̂ = (1/m) Σ_j ĝ(X̃_j) + Σ_i c_i w_i (Y_i − ĝ(X_i)) / Σ_i c_i w_i
        var (dm, psiTilde) = PolicySampleMean(p.GTilde!);
        var cw = ScaledWeights(p);
        var (corr, psi) = Ratio(Times(cw, Residual(p)), cw);
        return new Parts(dm + corr, psi, psiTilde);
    }
}

/// <summary>The built-in estimators and the paired difference of two models' values.</summary>
public static class Estimators
{
    /// <summary>Horvitz–Thompson IPW.</summary>
    public static readonly ValueEstimator Ipw = new Ipw();
    /// <summary>Self-normalized IPW.</summary>
    public static readonly ValueEstimator Snipw = new Snipw();
    /// <summary>Direct method.</summary>
    public static readonly ValueEstimator DirectMethod = new DirectMethod();
    /// <summary>Doubly robust.</summary>
    public static readonly ValueEstimator DoublyRobust = new DoublyRobust();
    /// <summary>Self-normalized doubly robust.</summary>
    public static readonly ValueEstimator SelfNormalizedDoublyRobust = new SelfNormalizedDoublyRobust();

    /// <summary>All five, in the order IPW, SNIPW, DM, DR, SNDR.</summary>
    public static IReadOnlyList<ValueEstimator> All { get; } =
        new[] { Ipw, Snipw, DirectMethod, DoublyRobust, SelfNormalizedDoublyRobust };

    /// <summary>Looks an estimator up by name (case-insensitive: IPW, SNIPW, DM, DR, SNDR).</summary>
    public static ValueEstimator ByName(string name) =>
        All.FirstOrDefault(e => string.Equals(e.Name, name, StringComparison.OrdinalIgnoreCase))
        ?? throw new ArgumentException($"Unknown estimator '{name}'; use one of {string.Join(", ", All.Select(e => e.Name))}.", nameof(name));

    /// <summary>
    /// V(A) − V(B) for two models evaluated on the SAME logged rows (same ReferenceLogp, Outcome, OutcomeHat, Weights;
    /// only PolicyLogp and the policy samples differ). The labeled influence functions are differenced row by row
    /// (a paired comparison, usually much tighter than two separate intervals); the two sets of policy samples are
    /// independent, so their variances add. Bootstrap resamples the rows jointly and each model's samples separately.
    /// </summary>
    public static ValueEstimate Difference(ValueEstimator estimator, LoggedSample modelA, LoggedSample modelB,
        EstimateOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(estimator);
        ArgumentNullException.ThrowIfNull(modelA);
        ArgumentNullException.ThrowIfNull(modelB);
        options ??= new EstimateOptions();
        options.Validate();
        SameRows(modelA, modelB);
        var a = estimator.Prepare(modelA, options, "model A: ");
        var b = estimator.Prepare(modelB, options, "model B: ");
        var pa = estimator.ComputeOrThrow(a.Data);
        var pb = estimator.ComputeOrThrow(b.Data);
        double diff = pa.Value - pb.Value;
        var warnings = new List<string>(a.Warnings.Concat(b.Warnings));

        double se, lo, hi;
        string method;
        if (options.Ci == CiMethod.Bootstrap)
        {
            method = "bootstrap";
            var rng = new Random(options.Seed);
            var stats = new List<double>(options.BootstrapResamples);
            for (int r = 0; r < options.BootstrapResamples; r++)
            {
                var rows = ValueEstimator.Draw(rng, a.Data.N);
                var sa = a.Data.GTilde is null ? null : ValueEstimator.Draw(rng, a.Data.M);
                var sb = b.Data.GTilde is null ? null : ValueEstimator.Draw(rng, b.Data.M);
                stats.Add(estimator.Compute(a.Data.Resample(rows, sa)).Value - estimator.Compute(b.Data.Resample(rows, sb)).Value);
            }
            (se, lo, hi) = Stats.Percentile(stats, warnings);
        }
        else
        {
            method = "influence-function";
            double[]? labeled = null;
            if (pa.LabeledIf is not null && pb.LabeledIf is not null)
            {
                labeled = new double[pa.LabeledIf.Length];
                for (int i = 0; i < labeled.Length; i++) labeled[i] = pa.LabeledIf[i] - pb.LabeledIf[i];
            }
            se = Stats.Hypot(Stats.SdOverSqrtN(labeled), Stats.SdOverSqrtN(pa.UnlabeledIf), Stats.SdOverSqrtN(pb.UnlabeledIf));
            lo = diff - ValueEstimator.Z95 * se;
            hi = diff + ValueEstimator.Z95 * se;
            if (double.IsNaN(se))
                warnings.Add($"{estimator.Name} difference: fewer than two rows or policy samples, so StdError and the interval are NaN.");
        }
        var diagnostics = a.Diagnostics.EssFraction <= b.Diagnostics.EssFraction ? a.Diagnostics : b.Diagnostics;
        return new ValueEstimate($"{estimator.Name} difference (A − B)", diff, se, lo, hi, method, diagnostics,
            a.Clipped + b.Clipped, warnings);
    }

    static void SameRows(LoggedSample a, LoggedSample b)
    {
        static bool Same(double[]? x, double[]? y) =>
            (x is null && y is null) || (x is not null && y is not null && x.AsSpan().SequenceEqual(y));
        if (a.N != b.N || !Same(a.ReferenceLogp, b.ReferenceLogp) || !Same(a.Outcome, b.Outcome)
            || !Same(a.OutcomeHat, b.OutcomeHat) || !Same(a.Weights, b.Weights))
            throw new ArgumentException(
                "Difference needs both models evaluated on the same logged rows: ReferenceLogp, Outcome, OutcomeHat and Weights " +
                "must be identical (only PolicyLogp and OutcomeHatTilde may differ).");
    }
}

/// <summary>Small numerically careful statistics helpers.</summary>
internal static class Stats
{
    /// <summary>Sample standard deviation (ddof 1) divided by √n, computed with rescaling; NaN when n &lt; 2, 0 for null.</summary>
    public static double SdOverSqrtN(double[]? x)
    {
        if (x is null) return 0.0;
        int n = x.Length;
        if (n < 2) return double.NaN;
        double scale = 0;
        foreach (var v in x) scale = Math.Max(scale, Math.Abs(v));
        if (scale == 0) return 0.0;
        if (double.IsInfinity(scale)) return double.PositiveInfinity;
        double mean = 0;
        foreach (var v in x) mean += v / scale;
        mean /= n;
        double ss = 0;
        foreach (var v in x) { double d = v / scale - mean; ss += d * d; }
        return scale * Math.Sqrt(ss / (n - 1) / n);
    }

    /// <summary>sqrt(Σ x²) without intermediate overflow; NaN if any input is NaN.</summary>
    public static double Hypot(params double[] xs)
    {
        double scale = 0;
        foreach (var v in xs)
        {
            if (double.IsNaN(v)) return double.NaN;
            scale = Math.Max(scale, Math.Abs(v));
        }
        if (scale == 0 || double.IsInfinity(scale)) return scale;
        double s = 0;
        foreach (var v in xs) s += (v / scale) * (v / scale);
        return scale * Math.Sqrt(s);
    }

    /// <summary>Bootstrap SE (sample sd) and 2.5%/97.5% percentiles (linear interpolation); drops non-finite resamples with a warning.</summary>
    public static (double Se, double Lo, double Hi) Percentile(List<double> stats, List<string> warnings)
    {
        int total = stats.Count;
        var ok = stats.Where(double.IsFinite).OrderBy(v => v).ToArray();
        if (ok.Length < total)
            warnings.Add($"{total - ok.Length} of {total} bootstrap resamples gave an undefined estimate and were dropped.");
        if (ok.Length < 2) return (double.NaN, double.NaN, double.NaN);
        double se = SdOverSqrtN(ok) * Math.Sqrt(ok.Length);
        return (se, Quantile(ok, 0.025), Quantile(ok, 0.975));
    }

    static double Quantile(double[] sorted, double q)
    {
        double pos = q * (sorted.Length - 1);
        int lo = (int)Math.Floor(pos);
        int hi = Math.Min(lo + 1, sorted.Length - 1);
        return sorted[lo] + (pos - lo) * (sorted[hi] - sorted[lo]);
    }
}
