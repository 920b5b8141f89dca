using System.Text;
using CausalPreference.IO;

namespace CausalPreference.Data;

/// <summary>
/// RFC 4180 parser for delimited text (comma for .csv, tab for .tsv): quoted fields, doubled quotes inside quotes,
/// delimiters and newlines inside quotes, CRLF / LF / CR line ends. A quote inside an unquoted field is kept as text.
/// Trailing blank lines are ignored; a blank line between rows is a row (an error unless the table has one column).
/// </summary>
internal static class CsvParser
{
    public static Table Read(string path, byte[] bytes, char delimiter)
    {
        var text = TextDecoding.Decode(bytes, path, RowOfPrefix);
        var records = Parse(text, delimiter, path);
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

    internal readonly record struct Record(string[] Fields, long Line, bool Blank);

    static List<Record> Parse(string s, char delim, string path)
    {
        var records = new List<Record>();
        var sb = new StringBuilder();
        var fields = new List<string>();
        int i = 0, n = s.Length;
        long line = 1;
        while (i < n)
        {
            long startLine = line;
            fields.Clear();
            bool quotedAny = false;
            while (true)
            {
                string field;
                if (i < n && s[i] == '"')
                {
                    quotedAny = true;
                    long quoteLine = line;
                    i++;
                    sb.Clear();
                    while (true)
                    {
                        if (i >= n)
                            throw new InputException($"a quoted value opened on line {quoteLine} is never closed. Close it with a double quote, and write quotes inside quoted values as \"\".", path, records.Count);
                        char c = s[i];
                        if (c == '"')
                        {
                            if (i + 1 < n && s[i + 1] == '"') { sb.Append('"'); i += 2; continue; }
                            i++;
                            break;
                        }
                        if (c == '\n') line++;
                        sb.Append(c);
                        i++;
                    }
                    if (i < n && s[i] != delim && s[i] != '\r' && s[i] != '\n')
                        throw new InputException($"unexpected text after a closing quote on line {line} (field {fields.Count + 1}). Inside a quoted value write a quote as \"\"; do not put text after the closing quote.", path, records.Count);
                    field = sb.ToString();
                }
                else
                {
                    int start = i;
                    while (i < n && s[i] != delim && s[i] != '\n' && s[i] != '\r') i++;
                    field = s.Substring(start, i - start);
                }
                fields.Add(field);
                if (i < n && s[i] == delim) { i++; continue; }
                if (i < n && s[i] == '\r') { i++; if (i < n && s[i] == '\n') i++; line++; }
                else if (i < n && s[i] == '\n') { i++; line++; }
                break;
            }
            bool blank = !quotedAny && fields.Count == 1 && fields[0].Length == 0;
            records.Add(new Record(fields.ToArray(), startLine, blank));
        }
        return records;
    }

    /// <summary>The data row (header = 0) that the character after <paramref name="prefix"/> belongs to.</summary>
    static long RowOfPrefix(string prefix)
    {
        long ended = 0;
        bool inQuotes = false;
        for (int i = 0; i < prefix.Length; i++)
        {
            char c = prefix[i];
            if (c == '"') inQuotes = !inQuotes;
            else if (!inQuotes && c == '\n') ended++;
            else if (!inQuotes && c == '\r' && (i + 1 >= prefix.Length || prefix[i + 1] != '\n')) ended++;
        }
        return ended;
    }
}
