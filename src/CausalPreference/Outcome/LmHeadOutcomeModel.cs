using System.Collections.Concurrent;
using System.Text.Json;
using CausalPreference.IO;
using CausalPreference.Models;
using CausalPreference.Text;
using TorchSharp;
using static TorchSharp.torch;

namespace CausalPreference.Outcome;

/// <summary>
/// An outcome model on a language model's representation: a linear regression head (logistic for 0/1 outcomes) on the
/// frozen LM's final hidden state, pooled two ways — the last real token (the EOS, which has attended to the whole text;
/// docs/math.md#sequence-score: pool at the last non-pad position, never at padding) and the mean over the text's tokens. Features are
/// standardized; ridge (L2) keeps the head stable with few rows. Predictions are E[Y|X] on Y's own coding.
/// The LM stays frozen, so cross-fitting reuses each text's features (cached per model and text).
/// </summary>
public sealed class LmHeadOutcomeModel : IOutcomeModel
{
    /// <summary>The <see cref="Kind"/> written to <c>outcome_model.json</c>: "lm-head".</summary>
    public const string KindName = "lm-head";
    /// <inheritdoc/>
    public string Kind => KindName;
    /// <summary>The language model (checkpoint or Hugging Face folder) whose hidden states are the features; saved as a full
    /// path, and it must still exist when the outcome model is loaded.</summary>
    public string ModelPath { get; }
    /// <summary>True: a logistic head for 0/1 outcomes (predictions are probabilities); false: a linear (ridge) head.</summary>
    public bool Binary { get; }
    /// <summary>Ridge penalty λ ≥ 0 on the coefficients of the standardized features (the intercept is not penalized), with
    /// row weights scaled to mean 1: the head minimizes Σᵢ wᵢ·loss(yᵢ, ηᵢ) + (λ/2)‖β‖² with loss ½(y − η)², or the
    /// negative log-likelihood when <see cref="Binary"/>.</summary>
    public double L2 { get; }
    double[] _mean = Array.Empty<double>(), _scale = Array.Empty<double>(), _coef = Array.Empty<double>();
    double _intercept;

    /// <summary>An unfitted head on the language model at <paramref name="modelPath"/> (loaded on first use, then kept for
    /// the process). Throws <see cref="InputException"/> when <paramref name="l2"/> is negative or NaN.</summary>
    public LmHeadOutcomeModel(string modelPath, bool binary = false, double l2 = 1.0)
    {
        ModelPath = modelPath; Binary = binary; L2 = l2;
        if (!(l2 >= 0)) throw new InputException($"the L2 penalty must be non-negative (got {l2})");
    }

    static readonly ConcurrentDictionary<string, (CausalLM model, ITokenizer tok)> Models = new();
    static readonly ConcurrentDictionary<(string, string), double[]> FeatureCache = new();

    /// <summary>Pooled features [last-token hidden ‖ mean hidden] for each text (cached; the LM is frozen, eval mode).</summary>
    public double[][] Features(IReadOnlyList<string> texts, int batchSize = 32)
    {
        var key = Path.GetFullPath(ModelPath);
        var (model, tok) = Models.GetOrAdd(key, k => Checkpoint.Load(k));
        var result = new double[texts.Count][];
        var todo = Enumerable.Range(0, texts.Count).Where(i => !FeatureCache.TryGetValue((key, texts[i]), out result[i]!)).ToArray();
        model.eval();
        using var _ = no_grad();
        foreach (var chunk in todo.Chunk(batchSize))
        {
            using var scope = NewDisposeScope();
            using var batch = TokenBatch.Create(tok, chunk.Select(i => texts[i]).ToArray(), model.Config.ContextLength, model.Device);
            var h = model.Hidden(batch.Ids).to(ScalarType.Float64); // [B,T,D]
            var mask = batch.TargetMask.to(ScalarType.Float64).unsqueeze(-1); // text tokens + EOS
            var mean = (h * mask).sum(1) / mask.sum(1).clamp_min(1);
            var lastIdx = tensor(batch.LastIndex, device: h.device).view(-1, 1, 1).expand(-1, 1, h.shape[2]);
            var last = h.gather(1, lastIdx).squeeze(1);
            var feats = cat(new[] { last, mean }, 1).cpu();
            int d = (int)feats.shape[1];
            var flat = feats.data<double>().ToArray();
            for (int j = 0; j < chunk.Length; j++)
            {
                var f = flat.AsSpan(j * d, d).ToArray();
                result[chunk[j]] = f;
                FeatureCache[(key, texts[chunk[j]])] = f;
            }
        }
        return result;
    }

    /// <summary>Fits the head on the texts' pooled features: weighted least squares with the ridge penalty, or for
    /// <see cref="Binary"/> the penalized logistic likelihood by Newton steps (at most 50). Throws
    /// <see cref="ArgumentException"/> when <paramref name="texts"/> and <paramref name="y"/> differ in length, and
    /// <see cref="InputException"/> for fewer than 2 rows or, when binary, an outcome other than 0 or 1.</summary>
    public void Fit(IReadOnlyList<string> texts, double[] y, double[]? weights = null)
    {
        if (texts.Count != y.Length) throw new ArgumentException("texts and outcomes differ in length");
        if (texts.Count < 2) throw new InputException("an outcome model needs at least 2 rows");
        if (Binary && y.Any(v => v is not (0 or 1))) throw new InputException("a binary outcome model needs outcomes coded 0/1; recode them");
        var x = Features(texts);
        int n = x.Length, d = x[0].Length;
        var w = weights ?? Enumerable.Repeat(1.0, n).ToArray();
        double wsum = w.Sum();
        w = w.Select(v => v * n / wsum).ToArray();
        _mean = new double[d]; _scale = new double[d];
        for (int j = 0; j < d; j++)
        {
            double m = 0; for (int i = 0; i < n; i++) m += w[i] * x[i][j]; m /= n;
            double v = 0; for (int i = 0; i < n; i++) v += w[i] * (x[i][j] - m) * (x[i][j] - m); v /= n;
            _mean[j] = m; _scale[j] = v > 1e-12 ? Math.Sqrt(v) : 1;
        }
        using var scope = NewDisposeScope();
        var flat = new double[n * (d + 1)];
        for (int i = 0; i < n; i++) { flat[i * (d + 1)] = 1; for (int j = 0; j < d; j++) flat[i * (d + 1) + 1 + j] = (x[i][j] - _mean[j]) / _scale[j]; }
        var X = tensor(flat, new long[] { n, d + 1 });
        var W = tensor(w);
        var Y = tensor(y);
        var pen = eye(d + 1, dtype: ScalarType.Float64) * (L2 + 1e-8);
        pen[0, 0] = tensor(1e-8);
        Tensor beta;
        if (!Binary)
        {
            var xtw = X.t() * W;
            beta = linalg.solve(xtw.matmul(X) + pen, xtw.matmul(Y));
        }
        else
        {
            beta = zeros(d + 1, dtype: ScalarType.Float64);
            for (int it = 0; it < 50; it++) // Newton / IRLS on the penalized log-likelihood
            {
                var p = sigmoid(X.matmul(beta));
                var grad = X.t().matmul(W * (p - Y)) + pen.matmul(beta);
                var hess = (X.t() * (W * p * (1 - p))).matmul(X) + pen;
                var step = linalg.solve(hess, grad);
                beta = beta - step;
                if (step.abs().max().item<double>() < 1e-9) break;
            }
        }
        var b = beta.data<double>().ToArray();
        _intercept = b[0];
        _coef = b.Skip(1).ToArray();
    }

    /// <summary>ĝ(x) for each text: the linear predictor, or its logistic σ(η) ∈ (0, 1) when <see cref="Binary"/>. Throws
    /// <see cref="InvalidOperationException"/> before <see cref="Fit"/>.</summary>
    public double[] Predict(IReadOnlyList<string> texts)
    {
        if (_coef.Length == 0) throw new InvalidOperationException("the outcome model is not fitted");
        var x = Features(texts);
        return x.Select(f =>
        {
            double eta = _intercept;
            for (int j = 0; j < f.Length; j++) eta += _coef[j] * (f[j] - _mean[j]) / _scale[j];
            return Binary ? 1 / (1 + Math.Exp(-eta)) : eta;
        }).ToArray();
    }

    sealed record Dto(string Kind, string ModelPath, bool Binary, double L2, double Intercept, double[] Mean, double[] Scale, double[] Coefficients);

    /// <summary>Writes the head (kind, language model path, standardization and coefficients) to
    /// <c>outcome_model.json</c> in <paramref name="dir"/>, atomically; the language model itself is not copied.</summary>
    public void Save(string dir) =>
        AtomicFile.WriteAllText(Path.Combine(dir, OutcomeModels.FileName),
            JsonSerializer.Serialize(new Dto(KindName, Path.GetFullPath(ModelPath), Binary, L2, _intercept, _mean, _scale, _coef)));

    /// <summary>Reads what <see cref="Save"/> wrote in <paramref name="dir"/>. Throws <see cref="InputException"/> when the
    /// file is corrupt or the language model it names no longer exists.</summary>
    public static LmHeadOutcomeModel Load(string dir)
    {
        var path = Path.Combine(dir, OutcomeModels.FileName);
        Dto? d;
        try { d = JsonSerializer.Deserialize<Dto>(OutcomeModels.ReadModelFile(dir)); }
        catch (JsonException e) { throw new InputException($"corrupt outcome model ({e.Message}); re-train it", path); }
        if (d is null || d.Coefficients.Length != d.Mean.Length || d.Mean.Length != d.Scale.Length)
            throw new InputException("corrupt outcome model (inconsistent sizes); re-train it", path);
        if (!Directory.Exists(d.ModelPath) && !File.Exists(d.ModelPath))
            throw new InputException($"the language model this outcome model was built on is gone ({d.ModelPath}); re-train it", path);
        return new LmHeadOutcomeModel(d.ModelPath, d.Binary, d.L2) { _intercept = d.Intercept, _mean = d.Mean, _scale = d.Scale, _coef = d.Coefficients };
    }
}
