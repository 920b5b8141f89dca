using System.Text;
using CausalPreference.IO;

namespace CausalPreference.Reporting;

/// <summary>
/// A minimal RFC 4180 reader for the evaluation verbs (quoted fields, doubled quotes, line breaks inside quotes,
/// CRLF or LF, optional UTF-8 BOM). The first record is the header. Kept private to Evaluation on purpose: the general
/// table reader lives in Data/.
/// </summary>
internal static class SimpleCsv
{
    /// <summary>Header and data records of a CSV file; every record must have the header's field count.</summary>
    public static (string[] Header, List<string[]> Rows) ReadFile(string path)
    {
        // One reader for every table the tool reads: the format follows the extension (CSV, TSV, JSON Lines, Parquet),
        // invalid UTF-8, duplicate column names and ragged rows are refused naming the file, row and column.
        var t = Data.TableReader.Read(path);
        var rows = new List<string[]>(t.RowCount);
        for (int r = 0; r < t.RowCount; r++)
        {
            var row = new string[t.Columns.Count];
            for (int c = 0; c < row.Length; c++) row[c] = t.Get(r, c) ?? "";
            rows.Add(row);
        }
        return (t.Columns.ToArray(), rows);
    }

    /// <summary>Parses CSV text; <paramref name="source"/> names it in error messages.</summary>
    public static (string[] Header, List<string[]> Rows) Parse(string text, string source)
    {
        var records = ParseRecords(text, source);
        if (records.Count == 0) throw new InputException("the CSV file is empty; it needs a header row.", source);
        var header = records[0];
        var rows = new List<string[]>(records.Count - 1);
        for (int r = 1; r < records.Count; r++)
        {
            if (records[r].Length == 1 && records[r][0].Length == 0) continue; // blank line
            if (records[r].Length != header.Length)
                throw new InputException($"has {records[r].Length} fields but the header has {header.Length}. Quote fields that contain commas.", source, row: r);
            rows.Add(records[r]);
        }
        return (header, rows);
    }

    /// <summary>Index of a header column (exact match first, then case-insensitive), or −1.</summary>
    public static int Column(string[] header, string name)
    {
        int i = Array.IndexOf(header, name);
        if (i >= 0) return i;
        return Array.FindIndex(header, h => string.Equals(h.Trim(), name, StringComparison.OrdinalIgnoreCase));
    }

    /// <summary>Index of a required column, or an <see cref="InputException"/> listing the available ones.</summary>
    public static int RequireColumn(string[] header, string name, string source, string optionHint)
    {
        int i = Column(header, name);
        if (i < 0)
            throw new InputException($"has no column '{name}' (columns: {string.Join(", ", header)}). {optionHint}", source, column: name);
        return i;
    }

    static List<string[]> ParseRecords(string text, string source)
    {
        var records = new List<string[]>();
        var fields = new List<string>();
        var field = new StringBuilder();
        int i = 0, n = text.Length;
        if (n > 0 && text[0] == '\uFEFF') i = 1;
        bool any = false;
        while (i < n)
        {
            char c = text[i];
            if (c == '"' && field.Length == 0)
            {
                int start = records.Count;
                i++;
                while (true)
                {
                    if (i >= n) throw new InputException("a quoted field is never closed. Check for a stray double quote.", source, row: start);
                    if (text[i] == '"')
                    {
                        if (i + 1 < n && text[i + 1] == '"') { field.Append('"'); i += 2; continue; }
                        i++;
                        break;
                    }
                    field.Append(text[i++]);
                }
                if (i < n && text[i] != ',' && text[i] != '\r' && text[i] != '\n')
                    throw new InputException("text follows a closing quote. Double the quotes inside quoted fields (\"\").", source, row: records.Count);
                any = true;
                continue;
            }
            if (c == ',') { fields.Add(field.ToString()); field.Clear(); any = true; i++; continue; }
            if (c == '\r' || c == '\n')
            {
                fields.Add(field.ToString()); field.Clear();
                records.Add(fields.ToArray()); fields.Clear(); any = false;
                i += c == '\r' && i + 1 < n && text[i + 1] == '\n' ? 2 : 1;
                continue;
            }
            field.Append(c); any = true; i++;
        }
        if (any || field.Length > 0 || fields.Count > 0) { fields.Add(field.ToString()); records.Add(fields.ToArray()); }
        return records;
    }
}
