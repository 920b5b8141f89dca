using CausalPreference.IO;
using CsvHelper;

namespace CausalPreference.Data;

/// <summary>
/// Delimited text (comma for .csv, tab for .tsv), tokenized by CsvHelper in RFC 4180 mode: quoted fields, doubled
/// quotes inside quotes, delimiters and line breaks inside quotes, CRLF / LF / CR line ends. A quote inside an unquoted
/// field is kept as text; a quoted value that is never closed, or text after a closing quote, is refused. Trailing
/// blank lines are ignored; a blank line between rows is a row (an error unless the table has one column). Every
/// refusal names the file, the row (header = 0), the column where one applies and the line the problem is on.
/// <para>
/// CsvHelper rather than Sep: on the same inputs Sep 0.17 reads an unclosed quote to the end of the file without an
/// error, reads <c>"ab"c</c> as <c>abc</c>, lets a quote inside an unquoted field (<c>5" screen</c>) open a quoted
/// value that swallows the following lines, and gives the header no line number of its own. CsvHelper reports each of
/// these with the record's first line, and keeps the stray quote as text.
/// </para>
/// </summary>
internal static class CsvParser
{
    public static Table Read(string path, byte[] bytes, char delimiter)
    {
        var text = TextDecoding.Decode(bytes, path, prefix => RowOfPrefix(prefix, delimiter));
        var records = Records(text, delimiter, path);
        while (records.Count > 0 && records[^1].Blank) records.RemoveAt(records.Count - 1);
        if (records.Count == 0)
            throw new InputException("the file is empty. Give a header line with the column names, then one line per row.", path);
        var header = records[0].Fields;
        var rows = new List<string?[]>(records.Count - 1);
        for (int r = 1; r < records.Count; r++)
        {
            var rec = records[r];
            if (rec.Fields.Length != header.Length)
            {
                string what = rec.Blank
                    ? "this row is blank. Remove blank lines between rows"
                    : $"this row has {rec.Fields.Length} fields but the header has {header.Length} ({string.Join(", ", header)}). " +
                      "Give every row one value per column; quote values that contain the delimiter or line breaks, and double quotes inside quotes (\"\")";
                throw new InputException($"{what} (the row starts on line {rec.Line}).", path, r);
            }
            rows.Add(rec.Fields);
        }
        return new Table(path, header, rows);
    }

    /// <summary>One record of the file: its fields, the line it starts on (1-based) and whether the line was empty.</summary>
    internal readonly record struct Record(string[] Fields, long Line, bool Blank);

    static CsvReaderOptions Options(char delimiter, Action<CsvMalformedRecord>? onMalformed) => new()
    {
        Separator = delimiter,
        HasHeader = false,
        Mode = CsvMode.Rfc4180,
        SkipEmptyLines = false,
        TrimWhitespace = false,
        TrackLineNumbers = true,
        // Recover keeps a quote inside an unquoted field as text; the other quoting problems are refused below.
        MalformedData = CsvMalformedDataHandling.Recover,
        FieldCountMismatch = CsvFieldCountHandling.Allow,
        OnMalformedRecord = onMalformed,
    };

    static List<Record> Records(string text, char delimiter, string path)
    {
        var records = new List<Record>();
        bool malformed = false;
        using var reader = CsvReader.FromText(text, Options(delimiter, _ => malformed = true));
        try
        {
            while (reader.Read())
            {
                var fields = new string[reader.FieldCount];
                for (int f = 0; f < fields.Length; f++) fields[f] = reader.GetString(f);
                // CsvHelper reports a record's first quoting problem only, so a stray quote could hide a later one: check every field.
                if (malformed) RefuseBadQuoting(reader, records, path);
                malformed = false;
                records.Add(new Record(fields, reader.LineNumber, fields.Length == 1 && reader.RawRecord.IsEmpty));
            }
        }
        catch (CsvFormatException e)
        {
            throw new InputException($"cannot read the table ({e.Message}). Check the quoting on that row.", path, records.Count, inner: e);
        }
        return records;
    }

    /// <summary>Throws for the first field of the current record that opens a quote and never closes it or has text after
    /// the closing quote; returns when the only problem is a quote inside an unquoted field (kept as text).</summary>
    static void RefuseBadQuoting(CsvReader reader, List<Record> records, string path)
    {
        long row = records.Count;
        string[]? header = records.Count > 0 ? records[0].Fields : null;
        long line = reader.LineNumber;
        for (int f = 0; f < reader.FieldCount; f++)
        {
            var raw = reader.GetRawSpan(f);
            string? column = header != null && f < header.Length ? header[f] : null;
            string where = column != null ? "" : $" (field {f + 1})";
            if (raw.Length > 0 && raw[0] == (byte)'"')
            {
                int i = 1; // the closing quote: the first quote after the opening one that is not doubled
                while (i < raw.Length)
                {
                    if (raw[i] != (byte)'"') i++;
                    else if (i + 1 < raw.Length && raw[i + 1] == (byte)'"') i += 2;
                    else break;
                }
                if (i >= raw.Length)
                    throw new InputException($"a quoted value opened on line {line}{where} is never closed. Close it with a double quote, and write quotes inside quoted values as \"\".", path, row, column);
                if (i != raw.Length - 1)
                    throw new InputException($"unexpected text after a closing quote on line {line + LineBreaks(raw[..i])}{where}. Inside a quoted value write a quote as \"\"; do not put text after the closing quote.", path, row, column);
            }
            line += LineBreaks(raw);
        }
    }

    /// <summary>Line breaks in UTF-8 text: CRLF, LF and a lone CR count one each.</summary>
    static long LineBreaks(ReadOnlySpan<byte> s)
    {
        long n = 0;
        for (int i = 0; i < s.Length; i++)
            if (s[i] == (byte)'\n' || (s[i] == (byte)'\r' && (i + 1 >= s.Length || s[i + 1] != (byte)'\n'))) n++;
        return n;
    }

    /// <summary>The row (header = 0) that the character after <paramref name="prefix"/> belongs to: a character put
    /// there ends the prefix's last record, so the records of the prefix plus that character, less one.</summary>
    static long RowOfPrefix(string prefix, char delimiter)
    {
        long count = 0;
        using var reader = CsvReader.FromText(prefix + "x", Options(delimiter, null));
        try { while (reader.Read()) count++; }
        catch (CsvFormatException) { }
        return Math.Max(0, count - 1);
    }
}
