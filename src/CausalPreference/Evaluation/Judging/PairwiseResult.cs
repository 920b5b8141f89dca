using System.Text.Json;
using CausalPreference.IO;

namespace CausalPreference.Evaluation.Judging;

/// <summary>Outcome of <see cref="PairwiseEvaluation.RunAsync"/>: the method's win rate and every judged pair.</summary>
/// <param name="Judge">The judge's name.</param>
/// <param name="Seed">The A/B shuffle seed.</param>
/// <param name="WinRate">Method-over-baseline win rate (invalid judgments excluded and counted).</param>
/// <param name="Pairs">Per-pair records in input order.</param>
/// <param name="FromCache">Pairs answered from the cache (no judge call).</param>
/// <param name="CacheLinesSkipped">Unreadable cache lines ignored (e.g. a torn last line after a crash).</param>
public sealed record PairwiseResult(string Judge, int Seed, WinRate WinRate, IReadOnlyList<PairRecord> Pairs, int FromCache, int CacheLinesSkipped)
{
    /// <summary>Pairs where the method was shown as A.</summary>
    public int MethodAsA => Pairs.Count(p => p.MethodIsA);

    /// <summary>Writes one JSON object per pair (JSONL), atomically.</summary>
    public void WriteJudgmentsJsonl(string path)
    {
        AtomicFile.Write(path, s =>
        {
            foreach (var p in Pairs)
            {
                using (var w = new Utf8JsonWriter(s))
                {
                    w.WriteStartObject();
                    w.WriteNumber("index", p.Index);
                    w.WriteString("id", p.Id);
                    if (p.Prompt is null) w.WriteNull("prompt"); else w.WriteString("prompt", p.Prompt);
                    w.WriteString("method_text", p.MethodText);
                    w.WriteString("baseline_text", p.BaselineText);
                    w.WriteString("method_position", p.MethodIsA ? "A" : "B");
                    w.WriteString("preferred", p.Preferred.ToString());
                    w.WriteString("outcome", p.Outcome.ToString().ToLowerInvariant());
                    if (p.Reason is null) w.WriteNull("reason"); else w.WriteString("reason", p.Reason);
                    w.WriteString("raw", p.RawResponse);
                    w.WriteBoolean("from_cache", p.FromCache);
                    w.WriteEndObject();
                }
                s.WriteByte((byte)'\n');
            }
        });
    }

    /// <summary>
    /// Writes the summary (judge, seed, win rate with SE, CI, significance, counts, and any <paramref name="labels"/>
    /// such as method and baseline names) as indented JSON, atomically. Undefined numbers are written as null.
    /// </summary>
    public void WriteSummaryJson(string path, IReadOnlyDictionary<string, string>? labels = null)
    {
        AtomicFile.Write(path, s =>
        {
            using var w = new Utf8JsonWriter(s, new JsonWriterOptions { Indented = true });
            w.WriteStartObject();
            if (labels != null) foreach (var kv in labels) w.WriteString(kv.Key, kv.Value);
            w.WriteString("judge", Judge);
            w.WriteNumber("seed", Seed);
            w.WriteNumber("pairs", Pairs.Count);
            w.WriteNumber("method_as_a", MethodAsA);
            WriteWinRate(w, "win_rate", WinRate);
            w.WriteNumber("from_cache", FromCache);
            w.WriteNumber("cache_lines_skipped", CacheLinesSkipped);
            w.WriteEndObject();
        });
    }

    /// <summary>Writes a <see cref="WinRate"/> as a JSON object property (NaN → null).</summary>
    public static void WriteWinRate(Utf8JsonWriter w, string name, WinRate r)
    {
        ArgumentNullException.ThrowIfNull(w);
        ArgumentNullException.ThrowIfNull(r);
        static void Num(Utf8JsonWriter w, string n, double v) { if (double.IsFinite(v)) w.WriteNumber(n, v); else w.WriteNull(n); }
        w.WriteStartObject(name);
        Num(w, "rate", r.Rate);
        Num(w, "se", r.StandardError);
        Num(w, "ci_low", r.Lower);
        Num(w, "ci_high", r.Upper);
        w.WriteNumber("ci_level", 0.95);
        w.WriteBoolean("significant", r.Significant);
        w.WriteNumber("wins", r.Wins);
        w.WriteNumber("losses", r.Losses);
        w.WriteNumber("valid", r.Valid);
        w.WriteNumber("invalid", r.Invalid);
        w.WriteEndObject();
    }
}
