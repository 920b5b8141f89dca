using CausalPreference.IO;

namespace CausalPreference.Data;

/// <summary>
/// Reads a table file into memory, choosing the format by extension (case-insensitive):
/// <c>.csv</c> (RFC 4180, UTF-8, BOM allowed), <c>.tsv</c> (same rules, tab-delimited), <c>.jsonl</c> / <c>.ndjson</c>
/// (one JSON object per line) and <c>.parquet</c>. Every problem is an <see cref="InputException"/> naming the file and,
/// where it applies, the row (header = 0, data rows from 1) and column.
/// </summary>
public static class TableReader
{
    /// <summary>Extensions <see cref="Read"/> understands.</summary>
    public static IReadOnlyList<string> Extensions { get; } = [".csv", ".tsv", ".jsonl", ".ndjson", ".parquet"];

    /// <summary>Reads the whole file at <paramref name="path"/>.</summary>
    public static Table Read(string path)
    {
        if (string.IsNullOrWhiteSpace(path))
            throw new InputException("no data file was given. Pass the path of a .csv, .tsv, .jsonl or .parquet file.");
        if (Directory.Exists(path))
            throw new InputException("this is a folder, not a file. Pass the path of a data file.", path);
        if (!File.Exists(path))
            throw new InputException("the file does not exist. Check the path (relative paths start from the current folder).", path);
        var ext = System.IO.Path.GetExtension(path).ToLowerInvariant();
        if (!Extensions.Contains(ext))
            throw new InputException($"cannot tell the format from the extension '{ext}'. Use one of {string.Join(", ", Extensions)}.", path);
        if (ext == ".parquet") return ParquetTableReader.Read(path);
        byte[] bytes;
        try { bytes = File.ReadAllBytes(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InputException($"cannot read the file ({e.Message}). Check its permissions.", path, inner: e);
        }
        if (bytes.Length == 0)
            throw new InputException("the file is empty. Give a file with a header and at least two data rows.", path);
        return ext switch
        {
            ".csv" => CsvParser.Read(path, bytes, ','),
            ".tsv" => CsvParser.Read(path, bytes, '\t'),
            _ => JsonLinesParser.Read(path, bytes),
        };
    }
}
