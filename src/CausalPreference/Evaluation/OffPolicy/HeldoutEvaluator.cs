using CausalPreference.Causal;

namespace CausalPreference.Evaluation.OffPolicy;

/// <summary>
/// The one held-out evaluator (the <c>evaluate</c> verb, the pipeline's evaluate stage and the refutation checks use it):
/// it scores each model once, draws policy samples only when an estimator needs them, and obtains log P^R, ĝ and the
/// experiments the same way — only when an estimator declares the need (<see cref="HeldoutEstimator.Needs"/>). From
/// those it forms every estimator's value, paired differences between models, and weight diagnostics.
/// <para>Every model is named; the scorer maps names to models. Values and differences are computed with <see cref="Options"/>.</para>
/// </summary>
public sealed class HeldoutEvaluator
{
    readonly IPolicyScorer _scorer;
    readonly Dictionary<string, PolicyScores> _scores = new(StringComparer.Ordinal);
    readonly Dictionary<string, LoggedSample> _samples = new(StringComparer.Ordinal);
    double[]? _logging;
    OutcomeModelPredictions? _g;
    bool _resolved;
    (int[] Groups, double[] Design)? _experiments;

    /// <summary>An evaluator of <paramref name="estimators"/> on <paramref name="rows"/>, with models scored by <paramref name="scorer"/>.</summary>
    public HeldoutEvaluator(HeldoutRows rows, IEnumerable<HeldoutEstimator> estimators, IPolicyScorer scorer)
    {
        ArgumentNullException.ThrowIfNull(rows);
        ArgumentNullException.ThrowIfNull(estimators);
        Rows = rows;
        Estimators = estimators.ToArray();
        _scorer = scorer ?? throw new ArgumentNullException(nameof(scorer));
    }

    /// <summary>The held-out rows.</summary>
    public HeldoutRows Rows { get; }

    /// <summary>The estimators, in the order given.</summary>
    public IReadOnlyList<HeldoutEstimator> Estimators { get; }

    /// <summary>log P^R(X_i) of every row; asked for once, and only when an available estimator uses importance weights.</summary>
    public Func<double[]>? LoggingLogp { get; init; }

    /// <summary>ĝ; asked for once, and only when an available estimator needs ĝ on the rows or on policy samples.</summary>
    public Func<OutcomeModelPredictions>? OutcomeModel { get; init; }

    /// <summary>Interval method, clipping and overlap threshold of every estimate.</summary>
    public EstimateOptions Options { get; init; } = new();

    /// <summary>The model WITHIN measures tilts from (the FT model); needed only by WITHIN.</summary>
    public string? BaseModel { get; init; }

    /// <summary>Why no policy samples can be drawn (then estimators that need them are unavailable); null when they can.</summary>
    public string? SamplesUnavailable { get; init; }

    /// <summary>Why <paramref name="estimator"/> has no estimate here, or null when it has one.</summary>
    public string? Unavailable(HeldoutEstimator estimator) =>
        estimator.Needs.HasFlag(EstimatorNeeds.PolicySamples) ? SamplesUnavailable : null;

    /// <summary>The union of the needs of the estimators that are available.</summary>
    public EstimatorNeeds Needs => Estimators.Where(e => Unavailable(e) is null).Aggregate(EstimatorNeeds.None, (n, e) => n | e.Needs);

    internal string BaseModelName => BaseModel ?? throw new InvalidOperationException("WITHIN needs a base model (BaseModel) to measure tilts from");

    /// <summary>log P^R(X_i); null when no estimator uses importance weights.</summary>
    public double[]? Logging { get { Resolve(); return _logging; } }

    /// <summary>ĝ; null when no estimator needs it.</summary>
    public OutcomeModelPredictions? OutcomeModelPredictions { get { Resolve(); return _g; } }

    void Resolve()
    {
        if (_resolved) return;
        var needs = Needs;
        if (needs.HasFlag(EstimatorNeeds.ImportanceWeights))
            _logging = (LoggingLogp ?? throw new InvalidOperationException("an estimator uses importance weights: give LoggingLogp (log P^R of the rows)"))();
        if ((needs & (EstimatorNeeds.OutcomeHatOnRows | EstimatorNeeds.PolicySamples)) != 0)
            _g = (OutcomeModel ?? throw new InvalidOperationException("an estimator needs the outcome model ĝ: give OutcomeModel"))();
        _resolved = true;
    }

    /// <summary>The model's scores on the rows (and its policy samples when an estimator needs them), computed once.</summary>
    public PolicyScores Scores(string model)
    {
        if (_scores.TryGetValue(model, out var s)) return s;
        Resolve();
        return _scores[model] = _scorer.Score(model, Needs.HasFlag(EstimatorNeeds.PolicySamples));
    }

    /// <summary>The model's logged sample: its log P^f with log P^R, Y, ĝ(X_i), ĝ(X̃_j) and the row weights, as far as the estimators need them.</summary>
    public LoggedSample Sample(string model)
    {
        if (_samples.TryGetValue(model, out var ls)) return ls;
        var s = Scores(model);
        // without an estimator that uses weights, log P^R is not asked for; the estimators that remain read no weights
        var logging = _logging ?? new double[Rows.Count];
        double[]? gTilde = s.Samples is null || _g is null ? null : _g.Predict(s.Samples);
        return _samples[model] = new LoggedSample(s.Logp, logging, Rows.Outcome, _g?.Rows, gTilde, Rows.Weights);
    }

    /// <summary>Diagnostics of the model's importance ratios P^f(X_i)/P^R(X_i) on the rows, before any clipping.</summary>
    public WeightDiagnostics Weights(string model)
    {
        var s = Scores(model);
        var logging = Logging ?? throw new InvalidOperationException("no estimator uses importance weights, so log P^R was not asked for");
        return WeightDiagnostics.FromLogWeights(s.Logp.Select((lp, i) => lp - logging[i]).ToArray());
    }

    /// <summary>V̂(model) by <paramref name="estimator"/>.</summary>
    /// <exception cref="InvalidOperationException">The estimator is unavailable here, or the estimate is undefined.</exception>
    public ValueEstimate Value(HeldoutEstimator estimator, string model)
    {
        ThrowIfUnavailable(estimator);
        return estimator.Value(this, model);
    }

    /// <summary>V̂(a) − V̂(b) by <paramref name="estimator"/>, paired on the same rows (or experiments).</summary>
    /// <exception cref="InvalidOperationException">The estimator is unavailable here, or the estimate is undefined.</exception>
    public ValueEstimate Difference(HeldoutEstimator estimator, string a, string b)
    {
        ThrowIfUnavailable(estimator);
        return estimator.Difference(this, a, b);
    }

    /// <summary><see cref="Value"/>, or why there is none.</summary>
    public EstimatorResult TryValue(HeldoutEstimator estimator, string model) => Try(estimator, () => estimator.Value(this, model));

    /// <summary><see cref="Difference"/>, or why there is none.</summary>
    public EstimatorResult TryDifference(HeldoutEstimator estimator, string a, string b) => Try(estimator, () => estimator.Difference(this, a, b));

    /// <summary>The smaller effective sample size (rows) of two models' estimates; null when the estimator has none to report
    /// (DM uses no weights; WITHIN with enough experiments), 0 when WITHIN has too few experiments.</summary>
    public double? EffectiveRows(HeldoutEstimator estimator, string a, string b) => estimator.EffectiveRows(this, a, b);

    /// <summary>Held-out experiments with two or more rows (only they contrast texts).</summary>
    public int ContrastingExperiments => WithinExperimentValue.Contrasting(Experiments().Groups);

    /// <summary>Every row's experiment index and design log-probability log P^R(a | e): the data's, else 1/k_e.</summary>
    internal (int[] Groups, double[] Design) Experiments()
    {
        if (_experiments is { } x) return x;
        var ids = Rows.Experiments ?? throw new InvalidOperationException("WITHIN compares models within experiments: the rows need experiment ids");
        var groups = WithinExperimentValue.Index(ids);
        var design = Rows.DesignLogp ?? WithinExperimentValue.ArmUniform(groups);
        _experiments = (groups, design);
        return (groups, design);
    }

    void ThrowIfUnavailable(HeldoutEstimator estimator)
    {
        if (Unavailable(estimator) is { } why) throw new InvalidOperationException($"{estimator.Name}: {why}");
    }

    EstimatorResult Try(HeldoutEstimator estimator, Func<ValueEstimate> estimate)
    {
        if (Unavailable(estimator) is { } why) return new EstimatorResult(estimator.Name, null, why);
        try { return new EstimatorResult(estimator.Name, estimate(), null); }
        catch (InvalidOperationException ex) { return new EstimatorResult(estimator.Name, null, ex.Message); }
    }
}
