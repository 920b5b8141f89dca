using System.Text;
using CausalPreference.Data;
using CausalPreference.IO;
using Parquet;
using Parquet.Schema;

namespace CausalPreference.Tests.Data;

public sealed class TableReaderTests : IDisposable
{
    readonly TempFiles _tmp = new();
    public void Dispose() => _tmp.Dispose();

    [Fact]
    public void JsonLinesScalarTypesAndMissingKeys()
    {
        var p = _tmp.Text("a.jsonl", "{\"text\":\"hi \\\"there\\\"\",\"y\":1.5e1,\"ok\":true}\n\n{\"text\":\"b\",\"y\":-2,\"ok\":false,\"extra\":null}\r\n{\"y\":3,\"text\":\"c\"}\n");
        var t = TableReader.Read(p);
        Assert.Equal(new[] { "text", "y", "ok", "extra" }, t.Columns);
        Assert.Equal(3, t.RowCount);
        Assert.Equal("hi \"there\"", t.Get(0, "text"));
        Assert.Equal(15.0, double.Parse(t.Get(0, "y")!, System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal("true", t.Get(0, "ok"));
        Assert.Null(t.Get(0, "extra"));
        Assert.Null(t.Get(1, "extra"));
        Assert.Null(t.Get(2, "ok"));
        Assert.Equal("c", t.Get(2, "text"));
    }

    [Fact]
    public void NdjsonExtensionAccepted()
    {
        var t = TableReader.Read(_tmp.Text("a.NDJSON", "{\"text\":\"a\"}\n{\"text\":\"b\"}\n"));
        Assert.Equal(2, t.RowCount);
    }

    [Fact]
    public async Task ParquetRoundTripStringsDoublesIntsBoolsNulls()
    {
        var schema = new ParquetSchema(new DataField<string>("text"), new DataField<double?>("y"), new DataField<long>("n"), new DataField<bool>("b"), new DataField<float>("f"));
        var p = _tmp.PathOf("t.parquet");
        using (var fs = File.Create(p))
        {
            await using var w = await ParquetWriter.CreateAsync(schema, fs);
            using var rg = w.CreateRowGroup();
            await rg.WriteAsync((DataField)schema[0], new[] { "alpha", "β, \"q\"", "" }, null);
            await rg.WriteAsync<double>((DataField)schema[1], new double?[] { 0.1, null, -3.25e-7 }, null, null, default);
            await rg.WriteAsync<long>((DataField)schema[2], new long[] { 1, -2, 3_000_000_000 }, null, null, default);
            await rg.WriteAsync<bool>((DataField)schema[3], new[] { true, false, true }, null, null, default);
            await rg.WriteAsync<float>((DataField)schema[4], new[] { 0.1f, 2f, -1.5f }, null, null, default);
        }
        var t = TableReader.Read(p);
        Assert.Equal(new[] { "text", "y", "n", "b", "f" }, t.Columns);
        Assert.Equal(3, t.RowCount);
        Assert.Equal("β, \"q\"", t.Get(1, "text"));
        Assert.Equal(0.1, double.Parse(t.Get(0, "y")!, System.Globalization.CultureInfo.InvariantCulture));
        Assert.Null(t.Get(1, "y"));
        Assert.Equal(-3.25e-7, double.Parse(t.Get(2, "y")!, System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal("3000000000", t.Get(2, "n"));
        Assert.Equal("false", t.Get(1, "b"));
        Assert.Equal("0.1", t.Get(0, "f"));
    }

    [Fact]
    public void MissingFileRefused()
    {
        var p = _tmp.PathOf("nope.csv");
        var e = Assert.Throws<InputException>(() => TableReader.Read(p));
        Assert.Contains(p, e.Message);
        Assert.Contains("does not exist", e.Message);
    }

    [Theory]
    [InlineData("e.csv")]
    [InlineData("e.jsonl")]
    public void EmptyFileRefused(string name)
    {
        var p = _tmp.Text(name, "");
        var e = Assert.Throws<InputException>(() => TableReader.Read(p));
        Assert.Contains("empty", e.Message);
        Assert.Contains(p, e.Message);
    }

    [Fact]
    public void UnknownExtensionRefused()
    {
        var e = Assert.Throws<InputException>(() => TableReader.Read(_tmp.Text("x.xlsx", "a")));
        Assert.Contains(".csv", e.Message);
    }

    [Fact]
    public void InvalidUtf8InJsonLinesNamesTheObject()
    {
        var bytes = Encoding.UTF8.GetBytes("{\"text\":\"a\"}\n\n{\"text\":\"").Concat(new byte[] { 0xC3, 0x28 }).Concat(Encoding.UTF8.GetBytes("\"}\n")).ToArray();
        var e = Assert.Throws<InputException>(() => TableReader.Read(_tmp.Bytes("bad.jsonl", bytes)));
        Assert.Equal(2, e.Row);
    }

    [Fact]
    public void JsonLinesBadLinesRefused()
    {
        var e1 = Assert.Throws<InputException>(() => TableReader.Read(_tmp.Text("a.jsonl", "{\"text\":\"a\"}\n{\"text\": [1,2]}\n")));
        Assert.Equal(2, e1.Row);
        Assert.Equal("text", e1.Column);
        var e2 = Assert.Throws<InputException>(() => TableReader.Read(_tmp.Text("b.jsonl", "{\"text\":\"a\"}\n[1]\n")));
        Assert.Equal(2, e2.Row);
        var e3 = Assert.Throws<InputException>(() => TableReader.Read(_tmp.Text("c.jsonl", "{\"text\":\"a\"}\n{\"text\":\n")));
        Assert.Equal(2, e3.Row);
        var e4 = Assert.Throws<InputException>(() => TableReader.Read(_tmp.Text("d.jsonl", "{\"text\":\"a\",\"text\":\"b\"}\n")));
        Assert.Equal(1, e4.Row);
        Assert.Contains("column 'text'", e4.Message);
    }
}
