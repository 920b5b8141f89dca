using System.Globalization;
using CausalPreference.Data;
using CausalPreference.IO;

namespace CausalPreference.Data;

/// <summary>
/// Design probabilities for headline A/B tests randomized within each test (Upworthy): per row,
/// log P^R = log(1/#tests) + log(impressions / test impressions) (<see cref="DesignMethod.TestUniform"/>), or
/// log(impressions / all impressions) (<see cref="DesignMethod.ImpressionShare"/>). Plus the exclusion of a period by
/// week and a seeded cap on rows that keeps whole tests. See docs/data.md for what each choice assumes.
/// </summary>
public static class DesignPropensity
{
    /// <summary>Drops rows whose <paramref name="weekColumn"/> (an integer YYYYWW) lies in [first, last] and says how many.</summary>
    public static (Table Kept, WeekExclusion Report) ExcludeWeeks(Table table, string weekColumn, string testColumn, int first, int last)
    {
        int wc = Require(table, weekColumn, "week"), tc = Require(table, testColumn, "test");
        var keep = new List<string?[]>();
        var numbers = new List<long>();
        var tests = new HashSet<string>(StringComparer.Ordinal);
        int excluded = 0;
        for (int r = 0; r < table.RowCount; r++)
        {
            var raw = table.Get(r, wc);
            if (!int.TryParse(raw?.Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var week))
                throw new InputException($"the week '{raw}' is not an integer like 201325 (year and week number).", table.Path, table.RowNumber(r), weekColumn);
            if (week >= first && week <= last) { excluded++; tests.Add(table.Get(r, tc) ?? ""); }
            else { keep.Add(Row(table, r)); numbers.Add(table.RowNumber(r)); }
        }
        return (new Table(table.Path, table.Columns, keep, numbers), new WeekExclusion(table.RowCount, excluded, tests.Count, first, last));
    }

    /// <summary>
    /// Keeps at most <paramref name="maxRows"/> rows: whole groups (when <paramref name="groupColumn"/> is given) in a
    /// seeded random order, skipping a group that would overflow; else a seeded random subset of rows. File order is kept.
    /// </summary>
    public static Table Cap(Table table, int maxRows, string? groupColumn, int seed)
    {
        if (maxRows <= 0 || table.RowCount <= maxRows) return table;
        var take = new bool[table.RowCount];
        if (groupColumn != null)
        {
            int gc = Require(table, groupColumn, "group");
            var groups = Enumerable.Range(0, table.RowCount).GroupBy(r => table.Get(r, gc) ?? "", StringComparer.Ordinal)
                .OrderBy(g => g.Key, StringComparer.Ordinal).ToList();
            SeededShuffle.Shuffle(groups, seed);
            int n = 0;
            foreach (var g in groups)
            {
                int size = g.Count();
                if (n + size > maxRows) continue;
                foreach (var r in g) take[r] = true;
                n += size;
                if (n == maxRows) break;
            }
        }
        else
        {
            var order = Enumerable.Range(0, table.RowCount).ToList();
            SeededShuffle.Shuffle(order, seed);
            foreach (var r in order.Take(maxRows)) take[r] = true;
        }
        var kept = Enumerable.Range(0, table.RowCount).Where(r => take[r]).ToList();
        return new Table(table.Path, table.Columns, kept.Select(r => Row(table, r)), kept.Select(table.RowNumber).ToList());
    }

    /// <summary>The design log-propensity of every row (see <see cref="DesignMethod"/>); impressions must be positive numbers.</summary>
    public static double[] LogPropensities(Table table, string testColumn, string impressionsColumn, DesignMethod method)
    {
        int tc = Require(table, testColumn, "test"), ic = Require(table, impressionsColumn, "impressions");
        int n = table.RowCount;
        if (n == 0) throw new InputException("no rows are left to derive design probabilities for (check the week exclusion and max_rows).", table.Path);
        var imp = new double[n];
        var test = new string[n];
        for (int r = 0; r < n; r++)
        {
            test[r] = table.Get(r, tc) is { Length: > 0 } t0 ? t0 : throw new InputException("the test id is empty.", table.Path, table.RowNumber(r), testColumn);
            if (method == DesignMethod.ArmUniform) { imp[r] = 1; continue; }
            var raw = table.Get(r, ic);
            if (!double.TryParse(raw?.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out var v) || !double.IsFinite(v) || v <= 0)
                throw new InputException($"impressions '{raw}' must be a positive number to form a design probability.", table.Path, table.RowNumber(r), impressionsColumn);
            imp[r] = v;
        }
        var perTest = new Dictionary<string, double>(StringComparer.Ordinal);
        var arms = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int r = 0; r < n; r++) { perTest[test[r]] = perTest.GetValueOrDefault(test[r]) + imp[r]; arms[test[r]] = arms.GetValueOrDefault(test[r]) + 1; }
        double all = imp.Sum();
        var lp = new double[n];
        for (int r = 0; r < n; r++)
            lp[r] = method switch
            {
                DesignMethod.TestUniform => -Math.Log(perTest.Count) + Math.Log(imp[r] / perTest[test[r]]),
                DesignMethod.ArmUniform => -Math.Log(perTest.Count) - Math.Log(arms[test[r]]),
                _ => Math.Log(imp[r] / all),
            };
        return lp;
    }

    /// <summary>The table with a column added (or replaced) holding <paramref name="values"/> in round-trip form.</summary>
    public static Table WithColumn(Table table, string column, IReadOnlyList<double> values)
    {
        if (values.Count != table.RowCount) throw new ArgumentException("one value per row is needed", nameof(values));
        int existing = table.IndexOf(column);
        var cols = existing >= 0 ? table.Columns.ToList() : table.Columns.Append(column).ToList();
        int at = existing >= 0 ? existing : cols.Count - 1;
        return new Table(table.Path, cols, Enumerable.Range(0, table.RowCount).Select(r =>
        {
            var row = new string?[cols.Count];
            for (int c = 0; c < table.Columns.Count; c++) row[c] = table.Get(r, c);
            row[at] = values[r].ToString("R", CultureInfo.InvariantCulture);
            return row;
        }), Enumerable.Range(0, table.RowCount).Select(table.RowNumber).ToList());
    }

    /// <summary>Parses "test-uniform", "arm-uniform" or "impression-share".</summary>
    public static DesignMethod ParseMethod(string s) => s.ToLowerInvariant() switch
    {
        "test-uniform" => DesignMethod.TestUniform, "impression-share" => DesignMethod.ImpressionShare, "arm-uniform" => DesignMethod.ArmUniform,
        _ => throw new InputException($"unknown design method '{s}'; use arm-uniform, test-uniform or impression-share"),
    };

    /// <summary>Writes a table as CSV (all columns, atomically).</summary>
    public static void WriteCsv(Table table, string path) =>
        TableWriter.Write(path, table.Columns, Enumerable.Range(0, table.RowCount).Select(r => (IReadOnlyList<object?>)Row(table, r)));

    internal static string?[] Row(Table t, int r) => Enumerable.Range(0, t.Columns.Count).Select(c => t.Get(r, c)).ToArray();

    static int Require(Table t, string column, string role)
    {
        int i = t.IndexOf(column);
        if (i < 0) throw new InputException($"there is no {role} column '{column}'. Available columns: {string.Join(", ", t.Columns)}.", t.Path, 0, column);
        return i;
    }
}
