using System.Text.Json;
using CausalPreference.Causal;
using CausalPreference.IO;

namespace CausalPreference.Evaluation.OffPolicy;

/// <summary>
/// evaluation.json: the data, sources of log P^R and ĝ, options, and per model its weight diagnostics, the five
/// estimates (estimate, se, ci_low, ci_high, diagnostics, warnings; or "unavailable" with the reason) and its paired
/// difference to the baseline. Non-finite numbers are written as null.
/// </summary>
public static class PolicyEvaluationJson
{
    /// <summary>The file name inside the output folder.</summary>
    public const string FileName = "evaluation.json";

    /// <summary>Writes <paramref name="r"/> as indented JSON, atomically.</summary>
    public static void Write(PolicyEvaluationResult r, string path)
    {
        ArgumentNullException.ThrowIfNull(r);
        AtomicFile.Write(path, s =>
        {
            using var w = new Utf8JsonWriter(s, new JsonWriterOptions { Indented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
            w.WriteStartObject();
            w.WriteString("kind", "causalpo-evaluation");
            w.WriteString("data", r.DataPath);
            w.WriteNumber("rows", r.Rows);
            w.WriteStartObject("outcome");
            w.WriteString("name", r.Outcome);
            w.WriteString("kind", r.OutcomeKind);
            w.WriteBoolean("higher_is_better", r.HigherIsBetter);
            w.WriteString("scale", "raw (values and differences are on the outcome's own scale, not oriented)");
            w.WriteEndObject();
            w.WriteString("logging_probabilities", r.LoggingSource);
            w.WriteStartObject("outcome_model");
            Str(w, "source", r.OutcomeModelSource);
            Num(w, "out_of_fold_r2", r.OutcomeModelR2);
            Num(w, "out_of_fold_auc", r.OutcomeModelAuc);
            w.WriteEndObject();
            w.WriteNumber("policy_samples", r.PolicySamples);
            w.WriteString("sampler", "pure ancestral sampling (temperature 1, no top-k/top-p)");
            w.WriteNumber("seed", r.Seed);
            w.WriteString("ci_method", r.Options.Ci == CiMethod.Bootstrap ? "bootstrap" : "influence-function");
            if (r.Options.Ci == CiMethod.Bootstrap) w.WriteNumber("bootstrap_resamples", r.Options.BootstrapResamples);
            w.WriteNumber("ci_level", 0.95);
            Num(w, "max_weight", r.Options.MaxWeight);
            w.WriteNumber("min_ess_fraction", r.Options.MinEssFraction);
            w.WriteString("baseline", r.Baseline);
            w.WriteStartArray("models");
            foreach (var m in r.Models)
            {
                w.WriteStartObject();
                w.WriteString("name", m.Name);
                w.WriteString("path", m.Path);
                w.WritePropertyName("weights");
                Diagnostics(w, m.Weights);
                w.WriteStartObject("support_mass");
                Num(w, "estimate", m.SupportMass.Estimate);
                Num(w, "ci_low", m.SupportMass.CiLow);
                Num(w, "ci_high", m.SupportMass.CiHigh);
                w.WriteString("meaning", "mean importance weight: share of the model's probability on texts the logging distribution can produce");
                w.WriteEndObject();
                w.WriteNumber("truncated_rows", m.TruncatedRows);
                w.WriteNumber("non_canonical_samples", m.NonCanonicalSamples);
                w.WriteStartObject("cached");
                w.WriteBoolean("scores", m.ScoresCached);
                w.WriteBoolean("samples", m.SamplesCached);
                w.WriteEndObject();
                Results(w, "estimates", m.Estimates);
                if (m.DifferenceToBaseline is null) w.WriteNull("difference_to_baseline");
                else Results(w, "difference_to_baseline", m.DifferenceToBaseline);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteStartArray("warnings");
            foreach (var x in r.Warnings) w.WriteStringValue(x);
            w.WriteEndArray();
            w.WriteEndObject();
        });
    }

    static void Results(Utf8JsonWriter w, string name, IReadOnlyList<EstimatorResult> results)
    {
        w.WriteStartArray(name);
        foreach (var e in results)
        {
            w.WriteStartObject();
            w.WriteString("estimator", e.Estimator);
            if (e.Value is not { } v)
            {
                w.WriteBoolean("available", false);
                Str(w, "reason", e.Unavailable);
                w.WriteEndObject();
                continue;
            }
            w.WriteBoolean("available", true);
            Num(w, "estimate", v.Estimate);
            Num(w, "se", v.StdError);
            Num(w, "ci_low", v.CiLow);
            Num(w, "ci_high", v.CiHigh);
            w.WriteBoolean("ci_excludes_zero", e.ExcludesZero);
            w.WriteNumber("clipped", v.Clipped);
            if (v.Diagnostics is { } d && HeldoutEstimator.ByName(e.Estimator).UsesImportanceWeights) { w.WritePropertyName("weights"); Diagnostics(w, d); }
            w.WriteStartArray("warnings");
            foreach (var x in v.Warnings) w.WriteStringValue(x);
            w.WriteEndArray();
            w.WriteEndObject();
        }
        w.WriteEndArray();
    }

    static void Diagnostics(Utf8JsonWriter w, WeightDiagnostics d)
    {
        w.WriteStartObject();
        w.WriteNumber("n", d.N);
        Num(w, "ess", d.Ess);
        Num(w, "ess_fraction", d.EssFraction);
        Num(w, "max_share", d.MaxNormalizedWeight);
        Num(w, "top5_share", d.Top5PercentShare);
        Num(w, "cv", d.CoefficientOfVariation);
        Num(w, "log_weight_min", d.LogWeightMin);
        Num(w, "log_weight_max", d.LogWeightMax);
        w.WriteNumber("clipped", d.ClippedCount);
        w.WriteEndObject();
    }

    static void Num(Utf8JsonWriter w, string name, double? v)
    {
        if (v is double x && double.IsFinite(x)) w.WriteNumber(name, x); else w.WriteNull(name);
    }

    static void Str(Utf8JsonWriter w, string name, string? v)
    {
        if (v is null) w.WriteNull(name); else w.WriteString(name, v);
    }
}
