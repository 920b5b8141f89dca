using System.Globalization;
using CausalPreference.IO;
using Parquet;
using Parquet.Schema;

namespace CausalPreference.Data;

/// <summary>
/// Reads a flat Parquet file (Parquet.Net): text columns as strings; booleans, integers, floating point and decimals as
/// invariant-culture text (floating point in round-trip form); dates in ISO 8601. Nested, list and binary columns are refused.
/// </summary>
internal static class ParquetTableReader
{
    public static Table Read(string path)
    {
        try { return ReadAsync(path).GetAwaiter().GetResult(); }
        catch (InputException) { throw; }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            throw new InputException($"cannot read it as Parquet ({e.Message}). Check that the file is a valid Parquet file.", path, inner: e);
        }
    }

    static async Task<Table> ReadAsync(string path)
    {
        await using var stream = File.OpenRead(path);
        if (stream.Length == 0) throw new InputException("the file is empty. Give a Parquet file with at least a header (schema).", path);
        await using var reader = await ParquetReader.CreateAsync(stream, null, false, default);
        var fields = new List<DataField>();
        foreach (var f in reader.Schema.Fields)
        {
            if (f is not DataField df || df.IsArray)
                throw new InputException("nested, list and map columns are not supported. Flatten the file to one value per cell.", path, 0, f.Name);
            fields.Add(df);
        }
        var columns = fields.Select(f => f.Name).ToArray();
        var cells = new List<string?[]>();
        for (int g = 0; g < reader.RowGroupCount; g++)
        {
            using var rg = reader.OpenRowGroupReader(g);
            int n = checked((int)rg.RowCount);
            var groupRows = new string?[n][];
            for (int r = 0; r < n; r++) groupRows[r] = new string?[fields.Count];
            for (int c = 0; c < fields.Count; c++)
            {
                var col = await ReadColumn(rg, fields[c], n, path);
                for (int r = 0; r < n; r++) groupRows[r][c] = col[r];
            }
            cells.AddRange(groupRows);
        }
        return new Table(path, columns, cells);
    }

    static async Task<string?[]> ReadColumn(ParquetRowGroupReader rg, DataField f, int n, string path)
    {
        var t = f.ClrType;
        if (t == typeof(string) || t == typeof(ReadOnlyMemory<char>))
        {
            var s = new string?[n];
            await rg.ReadAsync(f, s.AsMemory(), null, default);
            return s;
        }
        var inv = CultureInfo.InvariantCulture;
        if (t == typeof(double)) return await Read<double>(rg, f, n, v => v.ToString("R", inv));
        if (t == typeof(float)) return await Read<float>(rg, f, n, v => v.ToString("R", inv));
        if (t == typeof(Half)) return await Read<Half>(rg, f, n, v => ((float)v).ToString("R", inv));
        if (t == typeof(decimal)) return await Read<decimal>(rg, f, n, v => v.ToString(inv));
        if (t == typeof(bool)) return await Read<bool>(rg, f, n, v => v ? "true" : "false");
        if (t == typeof(sbyte)) return await Read<sbyte>(rg, f, n, v => v.ToString(inv));
        if (t == typeof(byte)) return await Read<byte>(rg, f, n, v => v.ToString(inv));
        if (t == typeof(short)) return await Read<short>(rg, f, n, v => v.ToString(inv));
        if (t == typeof(ushort)) return await Read<ushort>(rg, f, n, v => v.ToString(inv));
        if (t == typeof(int)) return await Read<int>(rg, f, n, v => v.ToString(inv));
        if (t == typeof(uint)) return await Read<uint>(rg, f, n, v => v.ToString(inv));
        if (t == typeof(long)) return await Read<long>(rg, f, n, v => v.ToString(inv));
        if (t == typeof(ulong)) return await Read<ulong>(rg, f, n, v => v.ToString(inv));
        if (t == typeof(DateTime)) return await Read<DateTime>(rg, f, n, v => v.ToString("o", inv));
        if (t == typeof(DateOnly)) return await Read<DateOnly>(rg, f, n, v => v.ToString("yyyy-MM-dd", inv));
        throw new InputException($"columns of Parquet type {t.Name} are not supported. Store this column as text or as a number.", path, 0, f.Name);
    }

    static async Task<string?[]> Read<T>(ParquetRowGroupReader rg, DataField f, int n, Func<T, string> format) where T : struct
    {
        var values = new T?[n];
        await rg.ReadAsync<T>(f, values.AsMemory(), null, default);
        var s = new string?[n];
        for (int i = 0; i < n; i++) s[i] = values[i] is T v ? format(v) : null;
        return s;
    }
}
