using CausalPreference.IO;

namespace CausalPreference.Data;

/// <summary>
/// A table read into memory: named columns and rows of string values (null where a value is absent, e.g. JSON null).
/// Numbers from JSON Lines and Parquet are kept as invariant-culture text ("R" round-trip for floating point).
/// <para>
/// Row numbering: row <c>i</c> (0-based index into <see cref="RowCount"/>) is reported to users as data row
/// <c>i + 1</c> (<see cref="SourceRow"/>); the header is row 0. This is the data-row number, not a physical line
/// number: a CSV record whose quoted text spans several lines still counts as one row, as in a spreadsheet.
/// </para>
/// </summary>
public sealed class Table
{
    readonly string?[][] _rows;
    readonly Dictionary<string, int> _index;
    readonly long[]? _rowNumbers;

    /// <summary>The file the table came from (used in messages).</summary>
    public string Path { get; }

    /// <summary>Column names in file order.</summary>
    public IReadOnlyList<string> Columns { get; }

    /// <summary>Number of data rows (the header is not counted).</summary>
    public int RowCount => _rows.Length;

    /// <summary>Builds a table; every row must have one value per column and column names must be distinct.</summary>
    /// <exception cref="InputException">duplicate column names or a row of the wrong length.</exception>
    public Table(string path, IReadOnlyList<string> columns, IEnumerable<string?[]> rows) : this(path, columns, rows, null) { }

    /// <summary>A table derived from the file <paramref name="path"/> (rows filtered or capped): <paramref name="rowNumbers"/>
    /// gives each row's data-row number in that file, so that messages point at the user's row, not at a derived file's.</summary>
    public Table(string path, IReadOnlyList<string> columns, IEnumerable<string?[]> rows, IReadOnlyList<long>? rowNumbers)
    {
        Path = path;
        Columns = columns.ToArray();
        _index = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int c = 0; c < Columns.Count; c++)
            if (!_index.TryAdd(Columns[c], c))
                throw new InputException($"the column name '{Columns[c]}' appears more than once in the header. Rename one of them so every column name is unique.", path, 0, Columns[c]);
        _rows = rows.ToArray();
        if (rowNumbers != null)
        {
            if (rowNumbers.Count != _rows.Length) throw new ArgumentException("one row number per row is needed", nameof(rowNumbers));
            _rowNumbers = rowNumbers.ToArray();
        }
        for (int r = 0; r < _rows.Length; r++)
            if (_rows[r].Length != Columns.Count)
                throw new InputException($"this row has {_rows[r].Length} values but the header has {Columns.Count} columns ({string.Join(", ", Columns)}). Give every row one value per column.", path, RowNumber(r));
    }

    /// <summary>Position of <paramref name="column"/> in <see cref="Columns"/>, or -1 when there is no such column (exact, case-sensitive).</summary>
    public int IndexOf(string column) => _index.TryGetValue(column, out var c) ? c : -1;

    /// <summary>True when the table has a column named exactly <paramref name="column"/>.</summary>
    public bool HasColumn(string column) => _index.ContainsKey(column);

    /// <summary>The value at data row <paramref name="row"/> (0-based) of column number <paramref name="column"/>.</summary>
    public string? Get(int row, int column) => _rows[row][column];

    /// <summary>The value at data row <paramref name="row"/> (0-based) of the named column.</summary>
    /// <exception cref="ArgumentException">the table has no such column (check with <see cref="HasColumn"/> first).</exception>
    public string? Get(int row, string column) =>
        _index.TryGetValue(column, out var c) ? _rows[row][c] : throw new ArgumentException($"no column '{column}' in {Path}", nameof(column));

    /// <summary>The data-row number in <see cref="Path"/> shown to users for 0-based row <paramref name="row"/> of this table:
    /// <c>row + 1</c> for a table read from a file, the original row's number for a derived table.</summary>
    public long RowNumber(int row) => _rowNumbers?[row] ?? SourceRow(row);

    /// <summary>The 1-based row number shown to users for 0-based data row <paramref name="row"/>: <c>row + 1</c> (header = 0).</summary>
    public static long SourceRow(int row) => row + 1L;
}
