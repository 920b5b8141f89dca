using System.Text.Json;
using CausalPreference.IO;

namespace CausalPreference.Data;

/// <summary>
/// JSON Lines (.jsonl / .ndjson): one JSON object per line; values may be strings, numbers, booleans or null.
/// Columns are the keys in order of first appearance; a key absent from an object reads as null.
/// Blank lines are skipped; row numbers count objects (row N is the N-th object) and messages also give the line.
/// </summary>
internal static class JsonLinesParser
{
    public static Table Read(string path, byte[] bytes)
    {
        var text = TextDecoding.Decode(bytes, path, RowOfPrefix);
        var columns = new List<string>();
        var colIndex = new Dictionary<string, int>(StringComparer.Ordinal);
        var objects = new List<List<(int Col, string? Value)>>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        int lineNo = 0;
        foreach (var raw in text.Split('\n'))
        {
            lineNo++;
            var line = raw.EndsWith('\r') ? raw[..^1] : raw;
            if (string.IsNullOrWhiteSpace(line)) continue;
            long row = objects.Count + 1;
            JsonDocument doc;
            try { doc = JsonDocument.Parse(line); }
            catch (JsonException e)
            {
                throw new InputException($"line {lineNo} is not valid JSON ({e.Message}). Put exactly one JSON object on each line.", path, row, inner: e);
            }
            using (doc)
            {
                if (doc.RootElement.ValueKind != JsonValueKind.Object)
                    throw new InputException($"line {lineNo} holds a JSON {doc.RootElement.ValueKind.ToString().ToLowerInvariant()}, not an object. Put one object per line, e.g. {{\"text\": \"...\", \"outcome\": 1}}.", path, row);
                var values = new List<(int, string?)>();
                seen.Clear();
                foreach (var p in doc.RootElement.EnumerateObject())
                {
                    if (!seen.Add(p.Name))
                        throw new InputException($"the key appears twice in the object on line {lineNo}. Keep one.", path, row, p.Name);
                    if (!colIndex.TryGetValue(p.Name, out var c))
                    {
                        c = columns.Count;
                        colIndex[p.Name] = c;
                        columns.Add(p.Name);
                    }
                    values.Add((c, Scalar(p.Value, path, row, p.Name, lineNo)));
                }
                objects.Add(values);
            }
        }
        if (objects.Count == 0)
            throw new InputException("the file is empty. Give one JSON object per line.", path);
        var rows = new List<string?[]>(objects.Count);
        foreach (var o in objects)
        {
            var r = new string?[columns.Count];
            foreach (var (c, v) in o) r[c] = v;
            rows.Add(r);
        }
        return new Table(path, columns, rows);
    }

    static string? Scalar(JsonElement v, string path, long row, string key, int lineNo) => v.ValueKind switch
    {
        JsonValueKind.String => v.GetString(),
        JsonValueKind.Number => v.GetRawText(),
        JsonValueKind.True => "true",
        JsonValueKind.False => "false",
        JsonValueKind.Null => null,
        _ => throw new InputException($"the value on line {lineNo} is a JSON {v.ValueKind.ToString().ToLowerInvariant()}; only strings, numbers, booleans and null are supported. Flatten it into separate keys or store it as a string.", path, row, key),
    };

    static long RowOfPrefix(string prefix)
    {
        long complete = 0;
        foreach (var l in prefix.Split('\n')[..^1]) if (!string.IsNullOrWhiteSpace(l)) complete++;
        return complete + 1;
    }
}
