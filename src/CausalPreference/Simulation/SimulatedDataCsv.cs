using System.Globalization;
using CausalPreference.Data;
using CausalPreference.IO;

namespace CausalPreference.Simulation;

/// <summary>
/// Reads and writes a <see cref="SimulatedData"/> as CSV (UTF-8, RFC 4180 quoting, "\n" line ends) with header
/// <c>text,outcome,log_propensity</c>, plus <c>,u</c> for confounded data. Numbers use the invariant culture and
/// round-trip exactly; an impossible text's log propensity is written <c>-Infinity</c>.
/// </summary>
public static class SimulatedDataCsv
{
    static readonly string[] BaseHeader = ["text", "outcome", "log_propensity"];

    /// <summary>Writes <paramref name="data"/> to <paramref name="path"/> atomically.</summary>
    public static void Write(string path, SimulatedData data)
    {
        ArgumentNullException.ThrowIfNull(data);
        AtomicFile.WriteText(path, w =>
        {
            w.Write(data.Confounded ? "text,outcome,log_propensity,u\n" : "text,outcome,log_propensity\n");
            foreach (var r in data.Rows)
            {
                w.Write(Quote(r.Text)); w.Write(',');
                w.Write(Num(r.Outcome)); w.Write(',');
                w.Write(Num(r.LogPropensity));
                if (data.Confounded) { w.Write(','); w.Write(r.U!.Value.ToString(CultureInfo.InvariantCulture)); }
                w.Write('\n');
            }
        });
    }

    static string Num(double v) => v.ToString("R", CultureInfo.InvariantCulture);

    /// <summary>Quotes a field when it contains a comma, a quote, CR or LF, or leading/trailing spaces; quotes are doubled.</summary>
    public static string Quote(string field)
    {
        bool needs = field.Length > 0 && (field[0] == ' ' || field[^1] == ' ') || field.AsSpan().IndexOfAny(",\"\r\n") >= 0;
        return needs ? "\"" + field.Replace("\"", "\"\"") + "\"" : field;
    }

    /// <summary>
    /// Reads a file written by <see cref="Write"/> (or by hand in the same format), through <see cref="TableReader"/>.
    /// The header decides whether it is confounded (a <c>u</c> column). Throws <see cref="InputException"/> naming the
    /// row and column of any problem.
    /// </summary>
    public static SimulatedData Read(string path)
    {
        var table = TableReader.Read(path);
        var header = table.Columns;
        bool confounded = header.Count == 4 && header[3] == "u";
        if (!header.Take(3).SequenceEqual(BaseHeader) || header.Count != (confounded ? 4 : 3))
            throw new InputException($"unexpected header '{string.Join(",", header)}'; expected 'text,outcome,log_propensity' or 'text,outcome,log_propensity,u'.", path, 0);

        var rows = new List<SimulatedRow>(table.RowCount);
        for (int i = 0; i < table.RowCount; i++)
        {
            long r = table.RowNumber(i);
            var f = Enumerable.Range(0, header.Count).Select(c => table.Get(i, c) ?? "").ToArray();
            double y = Number(f[1], path, r, "outcome", allowNegInf: false);
            double lp = Number(f[2], path, r, "log_propensity", allowNegInf: true);
            if (lp > 0) throw new InputException($"a log probability must be ≤ 0; found {f[2]}.", path, r, "log_propensity");
            int? u = null;
            if (confounded)
            {
                if (f[3] != "0" && f[3] != "1") throw new InputException($"the hidden trait must be 0 or 1; found '{f[3]}'.", path, r, "u");
                u = f[3] == "1" ? 1 : 0;
            }
            rows.Add(new SimulatedRow(f[0], y, lp, u));
        }
        return new SimulatedData(rows, confounded);
    }

    static double Number(string s, string path, long row, string column, bool allowNegInf)
    {
        if (!double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) || double.IsNaN(v) || double.IsPositiveInfinity(v) || (!allowNegInf && double.IsNegativeInfinity(v)))
            throw new InputException($"'{s}' is not a {(allowNegInf ? "number (or -Infinity)" : "finite number")}.", path, row, column);
        return v;
    }
}
