using System.Globalization;
using CausalPreference.IO;

namespace CausalPreference.Data;

/// <summary>
/// Every check on a direct-outcome table, in one place. Turns a <see cref="Table"/> into validated
/// <see cref="OutcomeRow"/>s or throws an <see cref="InputException"/> naming the file, row and column and saying
/// what to do. Nothing is dropped: either every row loads or the first problem is reported.
/// </summary>
internal static class DatasetValidator
{
    internal sealed record Result(IReadOnlyList<OutcomeRow> Rows, OutcomeKind Kind, bool HasOutcome);

    /// <summary>Longest text or prompt accepted, in characters. Models here see at most a few thousand tokens, so a longer
    /// value is almost always a broken file (e.g. a stray quote that swallowed many lines) and would only be truncated.</summary>
    internal const int MaxTextLength = 100_000;

    public static Result Validate(Table table, DatasetSpec spec)
    {
        string file = table.Path;
        static string? Given(string? c) => string.IsNullOrWhiteSpace(c) ? null : c;
        var textCol = Given(spec.TextColumn) ?? throw new InputException("no text column was given. Name the column that holds the texts.", file);
        var outcomeCol = Given(spec.OutcomeColumn);
        var clicksCol = Given(spec.ClicksColumn);
        var imprCol = Given(spec.ImpressionsColumn);
        var promptCol = Given(spec.PromptColumn);
        var lpCol = Given(spec.LogPropensityColumn);
        var weightCol = Given(spec.WeightColumn);
        var groupCol = Given(spec.GroupColumn);

        if ((clicksCol == null) != (imprCol == null))
            throw new InputException("clicks and impressions go together. Give both a clicks column and an impressions column, or neither.", file, column: clicksCol ?? imprCol);
        bool binomial = clicksCol != null;
        if (binomial && outcomeCol != null)
            throw new InputException($"give either an outcome column ('{outcomeCol}') or clicks and impressions ('{clicksCol}', '{imprCol}'), not both: with clicks and impressions the outcome is clicks / impressions.", file, column: outcomeCol);
        if (binomial && spec.Kind is OutcomeKind.Continuous or OutcomeKind.Binary)
            throw new InputException($"the outcome kind is {spec.Kind} but clicks and impressions were given, which make a binomial outcome. Use kind Binomial (or Auto), or give an outcome column instead.", file, column: clicksCol);
        if (spec.Kind == OutcomeKind.Binomial && !binomial)
            throw new InputException("the outcome kind is Binomial but no clicks and impressions columns were given. Name both, or choose another kind.", file, column: outcomeCol);
        bool hasOutcome = binomial || outcomeCol != null;
        if (!hasOutcome && spec.RequireOutcome)
            throw new InputException("no outcome was given. Name the outcome column, or the clicks and impressions columns for click-through data.", file);

        int text = Resolve(table, textCol, "text");
        int outcome = outcomeCol == null ? -1 : Resolve(table, outcomeCol, "outcome");
        int clicks = clicksCol == null ? -1 : Resolve(table, clicksCol, "clicks");
        int impr = imprCol == null ? -1 : Resolve(table, imprCol, "impressions");
        int prompt = promptCol == null ? -1 : Resolve(table, promptCol, "prompt");
        int lp = lpCol == null ? -1 : Resolve(table, lpCol, "log-propensity");
        int weight = weightCol == null ? -1 : Resolve(table, weightCol, "weight");
        int group = groupCol == null ? -1 : Resolve(table, groupCol, "group");

        var rows = new OutcomeRow[table.RowCount];
        for (int r = 0; r < table.RowCount; r++)
        {
            long src = table.RowNumber(r);
            var t = table.Get(r, text);
            if (string.IsNullOrWhiteSpace(t))
                throw new InputException("the text is empty or white space only. Fill in the text or remove the row.", file, src, textCol);
            TooLong(t, file, src, textCol, "text");
            var promptText = prompt >= 0 ? table.Get(r, prompt) : null;
            if (promptText != null) TooLong(promptText, file, src, promptCol!, "prompt");

            double y = double.NaN;
            double? c = null, m = null;
            double w = 1.0;
            if (outcome >= 0)
                y = Number(table.Get(r, outcome), file, src, outcomeCol!, "outcome", allowBool: true);
            if (binomial)
            {
                double cv = Number(table.Get(r, clicks), file, src, clicksCol!, "clicks count");
                double mv = Number(table.Get(r, impr), file, src, imprCol!, "impressions count");
                if (cv < 0)
                    throw new InputException($"clicks are negative ({Show(cv)}). Clicks count readers who clicked: give 0 or more.", file, src, clicksCol);
                if (mv <= 0)
                    throw new InputException($"impressions must be above 0 (got {Show(mv)}). A row nobody saw carries no outcome: remove it or fix the count.", file, src, imprCol);
                if (cv != Math.Floor(cv))
                    throw new InputException($"clicks must be a whole number (got {Show(cv)}): they count readers who clicked. Round the column, or give a rate as an outcome column instead.", file, src, clicksCol);
                if (mv != Math.Floor(mv))
                    throw new InputException($"impressions must be a whole number (got {Show(mv)}): they count readers who saw the text.", file, src, imprCol);
                if (cv > mv)
                    throw new InputException($"clicks ({Show(cv)}) exceed impressions ({Show(mv)}). Check that the clicks and impressions columns are not swapped.", file, src, clicksCol);
                c = cv; m = mv; y = cv / mv; w = mv;
            }
            double? lpv = null;
            if (lp >= 0)
            {
                double v = Number(table.Get(r, lp), file, src, lpCol!, "log-propensity");
                if (v > 0)
                    throw new InputException($"the log-propensity {Show(v)} is above 0, i.e. a probability above 1. Give the natural log of the probability the text was shown (a value ≤ 0), not the probability or its negative.", file, src, lpCol);
                lpv = v;
            }
            if (weight >= 0)
            {
                double v = Number(table.Get(r, weight), file, src, weightCol!, "weight");
                if (v < 0)
                    throw new InputException($"the weight is negative ({Show(v)}). Weights must be positive.", file, src, weightCol);
                if (v == 0)
                    throw new InputException("the weight is 0. Remove the row or give it a positive weight (zero-weight rows are not dropped silently).", file, src, weightCol);
                w *= v;
            }
            string? g = null;
            if (group >= 0)
            {
                g = table.Get(r, group);
                if (string.IsNullOrWhiteSpace(g))
                    throw new InputException("the group is empty. Give every row a group id, or leave out the group column.", file, src, groupCol);
            }
            rows[r] = new OutcomeRow
            {
                Index = r, Text = t, Prompt = promptText, Outcome = y,
                HigherIsBetter = spec.HigherIsBetter, LogPropensity = lpv, Weight = w, Group = g, Clicks = c, Impressions = m,
            };
        }

        if (rows.Length < Math.Max(1, spec.MinRows))
            throw new InputException($"the file has {rows.Length} data row{(rows.Length == 1 ? "" : "s")}; at least {Math.Max(1, spec.MinRows)} {(spec.MinRows == 1 ? "is" : "are")} needed{(spec.MinRows > 1 ? " (and far more to learn anything)" : "")}. Add rows.",
                file, rows.Length == 1 ? 1 : null, rows.Length == 1 ? textCol : null);

        var kind = OutcomeKind.Auto;
        if (hasOutcome)
        {
            string ycol = outcomeCol ?? $"{clicksCol}/{imprCol}";
            if (rows.All(x => x.Outcome == rows[0].Outcome))
                throw new InputException($"every one of the {rows.Length} rows has the outcome {Show(rows[0].Outcome)}: there is nothing to learn from. Check that the right outcome column was named.", file, column: ycol);
            bool zeroOne = rows.All(x => x.Outcome is 0.0 or 1.0);
            kind = spec.Kind switch
            {
                OutcomeKind.Auto => binomial ? OutcomeKind.Binomial : zeroOne ? OutcomeKind.Binary : OutcomeKind.Continuous,
                _ => spec.Kind,
            };
            if (kind == OutcomeKind.Binary && !zeroOne)
            {
                var bad = rows.First(x => x.Outcome is not (0.0 or 1.0));
                var distinct = rows.Select(x => x.Outcome).Distinct().Take(4).Select(Show);
                throw new InputException($"the outcome kind is Binary but this row's outcome is {Show(bad.Outcome)} (values seen include {string.Join(", ", distinct)}). Recode to 0/1 (e.g. 1/2 -> 0/1, with 1 for the event), or use kind Continuous.",
                    file, table.RowNumber(bad.Index), outcomeCol);
            }
        }
        return new Result(rows, kind, hasOutcome);
    }

    static void TooLong(string value, string file, long row, string column, string what)
    {
        if (value.Length <= MaxTextLength) return;
        throw new InputException($"the {what} is {value.Length} characters long, more than the {MaxTextLength} accepted (a model sees only its first few thousand tokens). " +
            "Shorten or split it; if it should not be this long, look for an unbalanced quote above this row that joined many lines into one value.", file, row, column);
    }

    static string Show(double v) => v.ToString("R", CultureInfo.InvariantCulture);

    /// <summary>A required number: not empty, parseable (invariant culture), finite.</summary>
    static double Number(string? raw, string file, long row, string column, string what, bool allowBool = false)
    {
        if (string.IsNullOrWhiteSpace(raw))
            throw new InputException($"the {what} is empty. Every row needs one: fill it in or remove the row (rows are not dropped silently).", file, row, column);
        var s = raw.Trim();
        if (allowBool && s.Equals("true", StringComparison.OrdinalIgnoreCase)) return 1.0;
        if (allowBool && s.Equals("false", StringComparison.OrdinalIgnoreCase)) return 0.0;
        bool parsed = double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var v);
        if (!parsed && NonFiniteWord(s) is { } word) v = word; // "inf", "-inf", "nan" are spelled out: name them for what they are
        else if (!parsed)
            throw new InputException($"the {what} '{Trunc(raw)}' is not a number. Write a plain number such as 0.5 (a dot for decimals, no thousands separators, units or percent signs).", file, row, column);
        if (!double.IsFinite(v))
        {
            var kind = double.IsNaN(v) ? "NaN (an undefined value)"
                : NonFiniteWord(s) != null ? (v > 0 ? "infinite" : "negatively infinite")
                : $"too large in magnitude for a double (beyond ±1.8e308, it overflows to {(v > 0 ? "+" : "-")}infinity)";
            throw new InputException($"the {what} is {Trunc(s)}, which is {kind}: not a finite number. Give a finite value or remove the row.", file, row, column);
        }
        return v;
    }

    /// <summary>NaN or ±∞ for the usual spellings of a non-finite value (inf, +Infinity, -INF, nan, ∞), else null.</summary>
    static double? NonFiniteWord(string s)
    {
        var t = s.Trim().ToLowerInvariant();
        double sign = 1;
        if (t.StartsWith('-')) { sign = -1; t = t[1..]; }
        else if (t.StartsWith('+')) t = t[1..];
        return t switch
        {
            "inf" or "infinity" or "∞" => sign * double.PositiveInfinity,
            "nan" => double.NaN,
            _ => null,
        };
    }

    static string Trunc(string s) => s.Length <= 40 ? s : s[..40] + "…";

    /// <summary>Index of <paramref name="column"/>, or an error listing the columns and suggesting the closest name.</summary>
    static int Resolve(Table table, string column, string role)
    {
        int i = table.IndexOf(column);
        if (i >= 0) return i;
        string? best = null;
        int bestD = int.MaxValue;
        foreach (var c in table.Columns)
        {
            int d = Distance(c.Trim().ToLowerInvariant(), column.Trim().ToLowerInvariant());
            if (d < bestD) { bestD = d; best = c; }
        }
        bool close = best != null && bestD <= Math.Max(2, column.Length / 2);
        var hint = close ? $"Did you mean '{best}'? " : "";
        throw new InputException($"there is no {role} column '{column}'. {hint}Available columns: {string.Join(", ", table.Columns.Select(c => $"'{c}'"))}.",
            table.Path, 0, column);
    }

    /// <summary>Levenshtein edit distance.</summary>
    internal static int Distance(string a, string b)
    {
        var prev = new int[b.Length + 1];
        var cur = new int[b.Length + 1];
        for (int j = 0; j <= b.Length; j++) prev[j] = j;
        for (int i = 1; i <= a.Length; i++)
        {
            cur[0] = i;
            for (int j = 1; j <= b.Length; j++)
                cur[j] = Math.Min(Math.Min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
            (prev, cur) = (cur, prev);
        }
        return prev[b.Length];
    }
}
