using System.Globalization;
using System.Text;
using System.Text.Json;
using CausalPreference.IO;

namespace CausalPreference.Data;

/// <summary>
/// Writes a table atomically (<see cref="AtomicFile"/>), format by extension: <c>.csv</c> / <c>.tsv</c> (UTF-8 without BOM,
/// LF line ends, a value quoted when it holds the delimiter, a quote, CR or LF, or starts or ends with white space) or
/// <c>.jsonl</c> / <c>.ndjson</c> (one object per row, keys in column order).
/// Values: null is an empty cell (JSON null); double and float use invariant round-trip form ("R"), so
/// <see cref="TableReader"/> reads back the same number; non-finite numbers are written as NaN / Infinity / -Infinity
/// (strings in JSON); booleans as true / false; other values through their invariant-culture text.
/// </summary>
public static class TableWriter
{
    /// <summary>Writes <paramref name="rows"/> (one value per column each) under <paramref name="columns"/> to <paramref name="path"/>.</summary>
    /// <exception cref="ArgumentException">a row's length differs from the number of columns, or duplicate column names.</exception>
    /// <exception cref="InputException">unsupported extension or unwritable location.</exception>
    public static void Write(string path, IReadOnlyList<string> columns, IEnumerable<IReadOnlyList<object?>> rows)
    {
        if (columns.Distinct(StringComparer.Ordinal).Count() != columns.Count)
            throw new ArgumentException("column names must be unique", nameof(columns));
        if (Directory.Exists(path))
            throw new InputException("this is a folder, but a table is to be written here. Give a file name such as results.csv.", path);
        var ext = Path.GetExtension(path).ToLowerInvariant();
        switch (ext)
        {
            case ".csv": AtomicFile.WriteText(path, w => WriteDelimited(w, columns, rows, ',')); break;
            case ".tsv": AtomicFile.WriteText(path, w => WriteDelimited(w, columns, rows, '\t')); break;
            case ".jsonl" or ".ndjson": AtomicFile.Write(path, s => WriteJsonLines(s, columns, rows)); break;
            default:
                throw new InputException($"cannot write the extension '{ext}'. Use .csv, .tsv, .jsonl or .ndjson.", path);
        }
    }

    static void WriteDelimited(TextWriter w, IReadOnlyList<string> columns, IEnumerable<IReadOnlyList<object?>> rows, char delim)
    {
        WriteRecord(w, columns, delim);
        foreach (var row in rows)
        {
            Check(row, columns);
            WriteRecord(w, row.Select(Format).ToArray(), delim);
        }
    }

    static void WriteRecord(TextWriter w, IReadOnlyList<string?> values, char delim)
    {
        for (int i = 0; i < values.Count; i++)
        {
            if (i > 0) w.Write(delim);
            w.Write(Quote(values[i] ?? "", delim));
        }
        w.Write('\n');
    }

    /// <summary>The value as one CSV field: quoted (inner quotes doubled) where needed.</summary>
    internal static string Quote(string v, char delim)
    {
        bool needs = v.Length > 0 && (char.IsWhiteSpace(v[0]) || char.IsWhiteSpace(v[^1]));
        foreach (var c in v)
            if (c == delim || c == '"' || c == '\n' || c == '\r') { needs = true; break; }
        return needs ? "\"" + v.Replace("\"", "\"\"") + "\"" : v;
    }

    static void WriteJsonLines(Stream s, IReadOnlyList<string> columns, IEnumerable<IReadOnlyList<object?>> rows)
    {
        var opts = new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
        var newline = new byte[] { (byte)'\n' };
        foreach (var row in rows)
        {
            Check(row, columns);
            using (var j = new Utf8JsonWriter(s, opts))
            {
                j.WriteStartObject();
                for (int i = 0; i < columns.Count; i++)
                {
                    j.WritePropertyName(columns[i]);
                    WriteJsonValue(j, row[i]);
                }
                j.WriteEndObject();
            }
            s.Write(newline);
        }
    }

    static void WriteJsonValue(Utf8JsonWriter j, object? v)
    {
        switch (v)
        {
            case null: j.WriteNullValue(); break;
            case bool b: j.WriteBooleanValue(b); break;
            case string str: j.WriteStringValue(str); break;
            case double d when double.IsFinite(d): j.WriteRawValue(Format(d)!); break;
            case float f when float.IsFinite(f): j.WriteRawValue(Format(f)!); break;
            case double or float: j.WriteStringValue(Format(v)); break;
            case sbyte or byte or short or ushort or int or uint or long or ulong or decimal: j.WriteRawValue(Format(v)!); break;
            default: j.WriteStringValue(Format(v)); break;
        }
    }

    /// <summary>Invariant text of a cell value (null stays null).</summary>
    internal static string? Format(object? v) => v switch
    {
        null => null,
        string s => s,
        bool b => b ? "true" : "false",
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        float f => f.ToString("R", CultureInfo.InvariantCulture),
        DateTime t => t.ToString("o", CultureInfo.InvariantCulture),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => v.ToString(),
    };

    static void Check(IReadOnlyList<object?> row, IReadOnlyList<string> columns)
    {
        if (row.Count != columns.Count)
            throw new ArgumentException($"a row has {row.Count} values for {columns.Count} columns ({string.Join(", ", columns)})");
    }
}
