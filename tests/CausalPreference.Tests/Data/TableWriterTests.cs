using System.Globalization;
using CausalPreference.Data;
using CausalPreference.IO;

namespace CausalPreference.Tests.Data;

public sealed class TableWriterTests : IDisposable
{
    readonly TempFiles _tmp = new();
    public void Dispose() => _tmp.Dispose();

    static readonly string[] Cols = { "text", "y", "n", "flag" };
    static readonly object?[][] Rows =
    {
        new object?[] { "comma, here", 0.1, 3, true },
        new object?[] { "quote \"x\"\nnewline", 1.0 / 3.0, -7L, false },
        new object?[] { " padded ", double.NaN, 0, null },
        new object?[] { "plain", 1e-300, int.MaxValue, true },
    };

    [Theory]
    [InlineData("out.csv")]
    [InlineData("out.tsv")]
    [InlineData("out.jsonl")]
    public void RoundTripsThroughTableReader(string name)
    {
        var p = _tmp.PathOf(name);
        TableWriter.Write(p, Cols, Rows);
        var t = TableReader.Read(p);
        Assert.Equal(Cols, t.Columns);
        Assert.Equal(Rows.Length, t.RowCount);
        for (int r = 0; r < Rows.Length; r++)
        {
            Assert.Equal((string)Rows[r][0]!, t.Get(r, "text"));
            double want = (double)Rows[r][1]!;
            double got = double.Parse(t.Get(r, "y")!, NumberStyles.Float, CultureInfo.InvariantCulture);
            Assert.Equal(BitConverter.DoubleToInt64Bits(want), BitConverter.DoubleToInt64Bits(got)); // exact round trip
            Assert.Equal(Convert.ToInt64(Rows[r][2], CultureInfo.InvariantCulture).ToString(CultureInfo.InvariantCulture), t.Get(r, "n"));
        }
        Assert.Equal("true", t.Get(0, "flag"));
        var empty = t.Get(2, "flag");
        Assert.True(string.IsNullOrEmpty(empty));
    }

    [Fact]
    public void CsvQuotesExactlyWhereNeeded()
    {
        var p = _tmp.PathOf("q.csv");
        TableWriter.Write(p, new[] { "a", "b" }, new[] { new object?[] { "x,y", "ok" }, new object?[] { "say \"hi\"", 2.5 } });
        Assert.Equal("a,b\n\"x,y\",ok\n\"say \"\"hi\"\"\",2.5\n", File.ReadAllText(p));
        Assert.Empty(Directory.GetFiles(_tmp.Dir, "*.tmp"));
    }

    [Fact]
    public void WrongRowLengthThrowsAndLeavesNoFile()
    {
        var p = _tmp.PathOf("bad.csv");
        Assert.Throws<ArgumentException>(() => TableWriter.Write(p, new[] { "a", "b" }, new[] { new object?[] { "x" } }));
        Assert.False(File.Exists(p));
        Assert.Empty(Directory.GetFiles(_tmp.Dir));
    }

    [Fact]
    public void UnknownExtensionRefused()
    {
        Assert.Throws<InputException>(() => TableWriter.Write(_tmp.PathOf("x.xlsx"), new[] { "a" }, Array.Empty<object?[]>()));
    }
}
