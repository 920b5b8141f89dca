using System.Text.Json;

namespace CausalPreference.Training;

/// <summary>
/// What a finished causal run must say when it did not really learn from its data, read from its step log
/// (train_log.jsonl): most steps' importance weights resting on about one row, a gradient of about zero, or log ratios
/// far outside the data. Each alarm says what it means and what to do.
/// </summary>
public static class TrainingAlarms
{
    /// <summary>A step whose ESS is below this many rows rests on about one row.</summary>
    public const double OneRowEss = 1.5;
    /// <summary>A gradient norm below this moved nothing.</summary>
    public const double ZeroGradNorm = 1e-8;
    /// <summary>|log ratio| above this (a ratio beyond e^20 ≈ 5·10^8) is far outside the data.</summary>
    public const double FarLogRatio = 20;
    /// <summary>Share of steps from which a symptom becomes an alarm.</summary>
    public const double MostSteps = 0.5;

    /// <summary>The step records of a train_log.jsonl (empty when the file is missing); unreadable lines are skipped.</summary>
    public static IReadOnlyList<IReadOnlyDictionary<string, double?>> ReadLog(string logFile)
    {
        var steps = new List<IReadOnlyDictionary<string, double?>>();
        if (!File.Exists(logFile)) return steps;
        foreach (var line in File.ReadLines(logFile))
        {
            if (string.IsNullOrWhiteSpace(line)) continue;
            try { if (JsonSerializer.Deserialize<Dictionary<string, double?>>(line) is { } d) steps.Add(d); }
            catch (JsonException) { }
        }
        return steps;
    }

    /// <summary>The alarms of a list of step records (keys as in train_log.jsonl: ess, grad_norm, log_ratio_min, log_ratio_max).</summary>
    public static IReadOnlyList<string> FromSteps(IReadOnlyList<IReadOnlyDictionary<string, double?>> steps)
    {
        var alarms = new List<string>();
        int n = steps.Count;
        if (n == 0) return alarms;
        static double? Get(IReadOnlyDictionary<string, double?> d, string k) => d.TryGetValue(k, out var v) ? v : null;

        int oneRow = steps.Count(s => Get(s, "ess") is double e && e < OneRowEss);
        if (oneRow >= MostSteps * n)
            alarms.Add($"ESS of about one row in {oneRow} of {n} steps: each step's self-normalized weights put nearly all mass on one row, so the " +
                       "objective compares nothing. The policy's log-probabilities and the reference log P^R are far apart (a policy that left the " +
                       "data's support, or design probabilities over a small set of texts against a model's density over all strings). Keep " +
                       "overlap-aware training on (the default), normalize within experiments for grouped A/B data, or let the FT model give P^R.");
        var norms = steps.Select(s => Get(s, "grad_norm")).Where(v => v is double).Select(v => v!.Value).ToList();
        int zero = norms.Count(g => g < ZeroGradNorm);
        if (norms.Count > 0 && zero >= MostSteps * norms.Count)
            alarms.Add($"gradient norm about zero (< {ZeroGradNorm:G1}) in {zero} of {norms.Count} steps: training moved (almost) nothing and the model is " +
                       "(almost) the FT model. With Horvitz–Thompson weights this happens when the log ratios are very negative (exp(d) underflows): use " +
                       "self-normalized weights (normalization \"self\"), or check that log P^R is on the scale of the model's sequence log-probabilities.");
        var far = steps.Select(s => Math.Max(Math.Abs(Get(s, "log_ratio_min") ?? 0), Math.Abs(Get(s, "log_ratio_max") ?? 0))).Count(v => v > FarLogRatio);
        if (far >= MostSteps * n)
            alarms.Add($"log importance ratios beyond ±{FarLogRatio:0} in {far} of {n} steps: the policy and the reference disagree by more than e^{FarLogRatio:0} " +
                       "on the data's own texts, where importance weights carry no information. Check the log-propensity column (it must be the " +
                       "log-probability of the whole text), or let the FT model give P^R.");
        return alarms;
    }

    /// <summary>
    /// The alarm of a run whose kept checkpoint could not be compared with FT on the selection rows (its held-out
    /// importance weights rested on too few effective rows; the evaluations of training.json, key
    /// validation_selection_estimable): checkpoints are ranked by a certified lower bound, and one without a bound is kept
    /// only when no candidate had one, for resting on the most rows — not for being better. Empty otherwise.
    /// </summary>
    public static IReadOnlyList<string> FromSelection(IReadOnlyList<IReadOnlyDictionary<string, double>> evaluations, long keptStep)
    {
        var judged = evaluations.Where(e => e.ContainsKey("validation_selection_estimable")).ToList();
        var kept = judged.LastOrDefault(e => e.TryGetValue("step", out var s) && (long)s == keptStep);
        if (kept is null || kept["validation_selection_estimable"] != 0) return [];
        int none = judged.Count(e => e["validation_selection_estimable"] == 0);
        double ess = kept.TryGetValue("validation_selection_ess_fraction", out var f) ? f : double.NaN;
        string where = kept.TryGetValue("validation_selection_rows", out var rows)
            ? $"an effective {ess * rows:0.#} of {rows:0} selection rows, fewer than the {Causal.ImprovementCertificate.MinEffectiveRows:0} needed"
            : $"ESS {100 * ess:0}% of the selection rows";
        return [$"no checkpoint was shown to be better than FT: in {none} of {judged.Count} evaluations the held-out importance weights rested on too " +
                $"few effective rows to estimate the improvement (the kept one, step {keptStep}: {where}). The kept checkpoint " +
                "is the one resting on the most rows, not one that beat FT; treat the run as unvalidated. More held-out rows or experiments " +
                "(a larger validation fraction), or a policy kept closer to FT (a stronger anchor), make the comparison possible."];
    }
}
