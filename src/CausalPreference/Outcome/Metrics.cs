namespace CausalPreference.Outcome;

/// <summary>Held-out metrics for outcome models; optional non-negative row weights everywhere.</summary>
public static class Metrics
{
    /// <summary>R² = 1 − Σw(y−ŷ)² / Σw(y−ȳ)², ȳ the weighted mean; NaN when y is constant. Can be negative.</summary>
    public static double R2(IReadOnlyList<double> y, IReadOnlyList<double> prediction, IReadOnlyList<double>? weights = null)
    {
        Check(y, prediction, weights);
        double wsum = 0, ybar = 0;
        for (int i = 0; i < y.Count; i++) { double w = W(weights, i); wsum += w; ybar += w * y[i]; }
        ybar /= wsum;
        double ssRes = 0, ssTot = 0;
        for (int i = 0; i < y.Count; i++)
        {
            double w = W(weights, i);
            ssRes += w * (y[i] - prediction[i]) * (y[i] - prediction[i]);
            ssTot += w * (y[i] - ybar) * (y[i] - ybar);
        }
        return ssTot > 0 ? 1 - ssRes / ssTot : double.NaN;
    }

    /// <summary>Root mean squared error √(Σw(y−ŷ)²/Σw).</summary>
    public static double Rmse(IReadOnlyList<double> y, IReadOnlyList<double> prediction, IReadOnlyList<double>? weights = null)
    {
        Check(y, prediction, weights);
        double wsum = 0, ss = 0;
        for (int i = 0; i < y.Count; i++) { double w = W(weights, i); wsum += w; ss += w * (y[i] - prediction[i]) * (y[i] - prediction[i]); }
        return Math.Sqrt(ss / wsum);
    }

    /// <summary>
    /// Area under the ROC curve for 0/1 labels: the (weighted) probability that a random positive scores above a
    /// random negative, ties counting ½ (equal to the Mann–Whitney midrank formula). NaN when a class is absent.
    /// </summary>
    public static double Auc(IReadOnlyList<double> y, IReadOnlyList<double> score, IReadOnlyList<double>? weights = null)
    {
        Check(y, score, weights);
        for (int i = 0; i < y.Count; i++)
            if (y[i] != 0 && y[i] != 1) throw new ArgumentException($"AUC needs 0/1 labels; row {i + 1} has {y[i]}.", nameof(y));
        var order = Enumerable.Range(0, y.Count).OrderBy(i => score[i]).ToArray();
        double negBelow = 0, posTotal = 0, negTotal = 0, sum = 0;
        for (int start = 0; start < order.Length;)
        {
            int end = start;
            while (end < order.Length && score[order[end]] == score[order[start]]) end++;
            double pos = 0, neg = 0;
            for (int k = start; k < end; k++)
            {
                double w = W(weights, order[k]);
                if (y[order[k]] == 1) pos += w; else neg += w;
            }
            sum += pos * (negBelow + 0.5 * neg);
            negBelow += neg; posTotal += pos; negTotal += neg;
            start = end;
        }
        return posTotal > 0 && negTotal > 0 ? sum / (posTotal * negTotal) : double.NaN;
    }

    /// <summary>Mean (weighted) log-loss −[y log p + (1−y) log(1−p)] with p clipped to [eps, 1−eps]; y may be a proportion in [0, 1].</summary>
    public static double LogLoss(IReadOnlyList<double> y, IReadOnlyList<double> probability, IReadOnlyList<double>? weights = null, double eps = 1e-15)
    {
        Check(y, probability, weights);
        double wsum = 0, loss = 0;
        for (int i = 0; i < y.Count; i++)
        {
            if (y[i] < 0 || y[i] > 1) throw new ArgumentException($"log-loss needs outcomes in [0, 1]; row {i + 1} has {y[i]}.", nameof(y));
            double p = Math.Clamp(probability[i], eps, 1 - eps), w = W(weights, i);
            wsum += w;
            loss -= w * (y[i] * Math.Log(p) + (1 - y[i]) * Math.Log(1 - p));
        }
        return loss / wsum;
    }

    static double W(IReadOnlyList<double>? weights, int i) => weights is null ? 1 : weights[i];

    static void Check(IReadOnlyList<double> y, IReadOnlyList<double> p, IReadOnlyList<double>? weights)
    {
        ArgumentNullException.ThrowIfNull(y);
        ArgumentNullException.ThrowIfNull(p);
        if (y.Count == 0) throw new ArgumentException("a metric needs at least one row", nameof(y));
        if (p.Count != y.Count) throw new ArgumentException($"{y.Count} outcomes but {p.Count} predictions", nameof(p));
        if (weights is null) return;
        if (weights.Count != y.Count) throw new ArgumentException($"{y.Count} outcomes but {weights.Count} weights", nameof(weights));
        double sum = 0;
        foreach (var w in weights)
        {
            if (!(w >= 0) || double.IsInfinity(w)) throw new ArgumentException("weights must be finite and ≥ 0", nameof(weights));
            sum += w;
        }
        if (!(sum > 0)) throw new ArgumentException("the weights sum to zero", nameof(weights));
    }
}
