using System.Text.Json;
using System.Text.Json.Serialization;
using CausalPreference.IO;

namespace CausalPreference.Outcome;

/// <summary>
/// A lexical linear outcome model (in the spirit of the paper's Empath regression for Hong Kong; docs/math.md#outcome-models):
/// features are the presence (count clipped to 1) of each lowercase word — and optionally each bigram — of a
/// vocabulary built from the training texts, plus a standardized word-count feature; ridge regression for continuous
/// outcomes, L2-regularized logistic regression (Newton/IRLS with step halving) for binary ones. Deterministic.
/// </summary>
public sealed class LexicalLinearModel : IOutcomeModel
{
    /// <summary>The <see cref="Kind"/> string of this model family.</summary>
    public const string KindName = "lexical-linear";

    const int FormatVersion = 1;

    string[] _vocabulary = [];
    Dictionary<string, int> _index = new(StringComparer.Ordinal);
    double[] _coefficients = [];
    double _intercept, _lengthMean, _lengthScale = 1, _lengthCoefficient;
    bool _fitted;

    /// <summary>The options this model fits with.</summary>
    public LexicalLinearOptions Options { get; }

    /// <inheritdoc/>
    public string Kind => KindName;

    /// <summary>Creates an unfitted model.</summary>
    public LexicalLinearModel(LexicalLinearOptions? options = null)
    {
        Options = options ?? new LexicalLinearOptions();
        Options.Validate();
    }

    /// <summary>The vocabulary, in coefficient order (empty before fitting).</summary>
    public IReadOnlyList<string> Vocabulary => _vocabulary;

    /// <summary>The intercept (logit scale when binary).</summary>
    public double Intercept => _intercept;

    /// <summary>The coefficient of each vocabulary term (logit scale when binary).</summary>
    public IReadOnlyList<double> Coefficients => _coefficients;

    /// <summary>Coefficient of the standardized word count (0 when the length feature is off).</summary>
    public double LengthCoefficient => _lengthCoefficient;

    /// <summary>The coefficient of a term, or null when it is not in the vocabulary.</summary>
    public double? Coefficient(string term) => _index.TryGetValue(term, out var j) ? _coefficients[j] : null;

    /// <inheritdoc/>
    public void Fit(IReadOnlyList<string> texts, double[] y, double[]? weights = null)
    {
        var w = OutcomeInputs.Check(texts, y, weights, Options.Binary);

        // Vocabulary: document frequency ≥ MinCount, most frequent MaxFeatures, in ordinal order.
        var terms = new HashSet<string>[texts.Count];
        var lengths = new double[texts.Count];
        var df = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < texts.Count; i++)
        {
            terms[i] = TextFeatures.Terms(texts[i], Options.Bigrams, out var wc);
            lengths[i] = wc;
            foreach (var t in terms[i]) df[t] = df.GetValueOrDefault(t) + 1;
        }
        var kept = df.Where(kv => kv.Value >= Options.MinCount)
            .OrderByDescending(kv => kv.Value).ThenBy(kv => kv.Key, StringComparer.Ordinal)
            .Take(Options.MaxFeatures).Select(kv => kv.Key)
            .OrderBy(k => k, StringComparer.Ordinal).ToArray();
        _vocabulary = kept;
        _index = kept.Select((t, j) => (t, j)).ToDictionary(p => p.t, p => p.j, StringComparer.Ordinal);

        if (Options.LengthFeature)
        {
            double wsum = w.Sum();
            _lengthMean = lengths.Select((l, i) => w[i] * l).Sum() / wsum;
            double var = lengths.Select((l, i) => w[i] * (l - _lengthMean) * (l - _lengthMean)).Sum() / wsum;
            _lengthScale = var > 1e-12 ? Math.Sqrt(var) : 1;
        }
        else { _lengthMean = 0; _lengthScale = 1; }

        var rows = new SparseRow[texts.Count];
        for (int i = 0; i < texts.Count; i++) rows[i] = Row(terms[i], lengths[i]);
        int d = Dimension;
        var penalty = new double[d];
        double meanDiag = 0;
        for (int i = 0; i < rows.Length; i++) foreach (var v in rows[i].Value) meanDiag += w[i] * v * v;
        meanDiag /= d;
        double lambda = Math.Max(Options.L2, 1e-8 * meanDiag);
        for (int j = 1; j < d; j++) penalty[j] = lambda;

        var beta = Options.Binary ? FitLogistic(rows, y, w, penalty) : FitRidge(rows, y, w, penalty);
        _intercept = beta[0];
        _coefficients = beta[1..(1 + _vocabulary.Length)];
        _lengthCoefficient = Options.LengthFeature ? beta[^1] : 0;
        _fitted = true;
    }

    int Dimension => 1 + _vocabulary.Length + (Options.LengthFeature ? 1 : 0);

    SparseRow Row(HashSet<string> terms, double length)
    {
        var idx = new List<int>(terms.Count + 2) { 0 };
        foreach (var t in terms) if (_index.TryGetValue(t, out var j)) idx.Add(1 + j);
        idx.Sort();
        var val = Enumerable.Repeat(1.0, idx.Count).ToList();
        if (Options.LengthFeature) { idx.Add(1 + _vocabulary.Length); val.Add((length - _lengthMean) / _lengthScale); }
        return new SparseRow(idx.ToArray(), val.ToArray());
    }

    static double[] FitRidge(SparseRow[] rows, double[] y, double[] w, double[] penalty)
    {
        var b = new double[penalty.Length];
        for (int i = 0; i < rows.Length; i++)
            for (int k = 0; k < rows[i].Index.Length; k++) b[rows[i].Index[k]] += w[i] * y[i] * rows[i].Value[k];
        return SparseLinearAlgebra.Solve(rows, w, penalty, b);
    }

    /// <summary>Newton/IRLS on −Σ wᵢ[yᵢ log pᵢ + (1−yᵢ) log(1−pᵢ)] + ½ Σ penalty_j β_j², with step halving.</summary>
    static double[] FitLogistic(SparseRow[] rows, double[] y, double[] w, double[] penalty)
    {
        int d = penalty.Length, n = rows.Length;
        var beta = new double[d];
        double wsum = w.Sum(), ybar = y.Select((v, i) => w[i] * v).Sum() / wsum;
        ybar = Math.Clamp(ybar, 1e-6, 1 - 1e-6);
        beta[0] = Math.Log(ybar / (1 - ybar));
        double obj = Objective(beta);
        for (int iter = 0; iter < 100; iter++)
        {
            var s = new double[n];
            var grad = new double[d]; // gradient of the log-likelihood minus penalty, i.e. −∇objective
            for (int i = 0; i < n; i++)
            {
                double p = Sigmoid(rows[i].Dot(beta));
                s[i] = w[i] * Math.Max(p * (1 - p), 1e-12);
                double r = w[i] * (y[i] - p);
                for (int k = 0; k < rows[i].Index.Length; k++) grad[rows[i].Index[k]] += r * rows[i].Value[k];
            }
            for (int j = 0; j < d; j++) grad[j] -= penalty[j] * beta[j];
            var step = SparseLinearAlgebra.Solve(rows, s, penalty, grad);
            double t = 1, newObj = double.PositiveInfinity;
            double[] candidate = beta;
            for (int half = 0; half < 40; half++, t /= 2)
            {
                candidate = beta.Select((b, j) => b + t * step[j]).ToArray();
                newObj = Objective(candidate);
                if (newObj <= obj + 1e-12 * Math.Abs(obj)) break;
            }
            if (!(newObj <= obj + 1e-12 * Math.Abs(obj))) break; // no descent possible: at the optimum numerically
            double maxStep = step.Max(v => Math.Abs(t * v));
            beta = candidate;
            double change = obj - newObj;
            obj = newObj;
            if (maxStep < 1e-9 || change <= 1e-14 * Math.Max(1, Math.Abs(obj))) break;
        }
        return beta;

        double Objective(double[] b)
        {
            double o = 0;
            for (int i = 0; i < n; i++)
            {
                double eta = rows[i].Dot(b);
                // −[y log σ(η) + (1−y) log(1−σ(η))] = softplus(η) − y·η, computed stably.
                o += w[i] * (Softplus(eta) - y[i] * eta);
            }
            for (int j = 0; j < d; j++) o += 0.5 * penalty[j] * b[j] * b[j];
            return o;
        }
    }

    static double Softplus(double x) => x > 0 ? x + Math.Log(1 + Math.Exp(-x)) : Math.Log(1 + Math.Exp(x));

    static double Sigmoid(double x) => x >= 0 ? 1 / (1 + Math.Exp(-x)) : Math.Exp(x) / (1 + Math.Exp(x));

    /// <inheritdoc/>
    public double[] Predict(IReadOnlyList<string> texts)
    {
        ArgumentNullException.ThrowIfNull(texts);
        if (!_fitted) throw new InvalidOperationException("the outcome model is not fitted; call Fit or load a saved model first.");
        var beta = new double[Dimension];
        beta[0] = _intercept;
        Array.Copy(_coefficients, 0, beta, 1, _coefficients.Length);
        if (Options.LengthFeature) beta[^1] = _lengthCoefficient;
        var result = new double[texts.Count];
        for (int i = 0; i < texts.Count; i++)
        {
            var terms = TextFeatures.Terms(texts[i] ?? "", Options.Bigrams, out var wc);
            double eta = Row(terms, wc).Dot(beta);
            result[i] = Options.Binary ? Sigmoid(eta) : eta;
        }
        return result;
    }

    /// <inheritdoc/>
    public void Save(string dir)
    {
        if (!_fitted) throw new InvalidOperationException("the outcome model is not fitted; fit it before saving.");
        var dto = new Dto
        {
            Kind = KindName,
            FormatVersion = FormatVersion,
            Options = new OptionsDto
            {
                Binary = Options.Binary, Bigrams = Options.Bigrams, MinCount = Options.MinCount,
                MaxFeatures = Options.MaxFeatures, L2 = Options.L2, LengthFeature = Options.LengthFeature,
            },
            Intercept = _intercept, LengthMean = _lengthMean, LengthScale = _lengthScale, LengthCoefficient = _lengthCoefficient,
            Vocabulary = _vocabulary, Coefficients = _coefficients,
        };
        AtomicFile.WriteAllText(Path.Combine(dir, OutcomeModels.FileName), JsonSerializer.Serialize(dto, JsonOptions));
    }

    /// <summary>Loads a model saved by <see cref="Save"/> from folder <paramref name="dir"/>.</summary>
    /// <exception cref="InputException">The file is missing, of another kind, or malformed.</exception>
    public static LexicalLinearModel Load(string dir)
    {
        var path = Path.Combine(dir, OutcomeModels.FileName);
        Dto? dto;
        try { dto = JsonSerializer.Deserialize<Dto>(OutcomeModels.ReadModelFile(dir), JsonOptions); }
        catch (JsonException e) { throw new InputException($"the outcome model file is not valid JSON ({e.Message}); re-save the model.", path, inner: e); }
        if (dto is null || dto.Kind != KindName)
            throw new InputException($"this file holds an outcome model of kind '{dto?.Kind}', not '{KindName}'; load it with OutcomeModels.Load.", path);
        if (dto.FormatVersion != FormatVersion)
            throw new InputException($"format version {dto.FormatVersion} is not supported (expected {FormatVersion}); re-fit the model with this version.", path);
        if (dto.Options is null || dto.Vocabulary is null || dto.Coefficients is null || dto.Vocabulary.Length != dto.Coefficients.Length)
            throw new InputException("the vocabulary and coefficients are missing or of different lengths; re-save the model.", path);
        var o = dto.Options;
        var m = new LexicalLinearModel(new LexicalLinearOptions
        {
            Binary = o.Binary, Bigrams = o.Bigrams, MinCount = o.MinCount, MaxFeatures = o.MaxFeatures, L2 = o.L2, LengthFeature = o.LengthFeature,
        });
        m._vocabulary = dto.Vocabulary;
        try { m._index = dto.Vocabulary.Select((t, j) => (t, j)).ToDictionary(p => p.t, p => p.j, StringComparer.Ordinal); }
        catch (ArgumentException e) { throw new InputException("the vocabulary has duplicate terms; re-save the model.", path, inner: e); }
        m._coefficients = dto.Coefficients;
        m._intercept = dto.Intercept;
        m._lengthMean = dto.LengthMean;
        m._lengthScale = dto.LengthScale > 0 ? dto.LengthScale : 1;
        m._lengthCoefficient = dto.LengthCoefficient;
        m._fitted = true;
        return m;
    }

    static readonly JsonSerializerOptions JsonOptions = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    sealed class Dto
    {
        public string? Kind { get; set; }
        public int FormatVersion { get; set; }
        public OptionsDto? Options { get; set; }
        public double Intercept { get; set; }
        public double LengthMean { get; set; }
        public double LengthScale { get; set; }
        public double LengthCoefficient { get; set; }
        public string[]? Vocabulary { get; set; }
        public double[]? Coefficients { get; set; }
    }

    sealed class OptionsDto
    {
        public bool Binary { get; set; }
        public bool Bigrams { get; set; }
        public int MinCount { get; set; }
        public int MaxFeatures { get; set; }
        public double L2 { get; set; }
        public bool LengthFeature { get; set; }
    }
}
