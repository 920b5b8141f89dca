namespace CausalPreference.IO;

/// <summary>
/// Bad user input: a missing column, a non-numeric value, an unreadable file, conflicting options.
/// The CLI maps it to exit code 2. The message always says what to do; <see cref="File"/>,
/// <see cref="Row"/> (1-based data row, the header is row 0) and <see cref="Column"/> locate the problem where they apply.
/// </summary>
public sealed class InputException : Exception
{
    public string? File { get; }
    public long? Row { get; }
    public string? Column { get; }

    public InputException(string message, string? file = null, long? row = null, string? column = null, Exception? inner = null)
        : base(Compose(message, file, row, column), inner)
    {
        File = file; Row = row; Column = column;
    }

    static string Compose(string message, string? file, long? row, string? column)
    {
        var where = new List<string>();
        if (file != null) where.Add(file);
        if (row != null) where.Add($"row {row}");
        if (column != null) where.Add($"column '{column}'");
        return where.Count == 0 ? message : $"{string.Join(", ", where)}: {message}";
    }
}
