using System.Text;
using CausalPreference.Data;
using CausalPreference.IO;

namespace CausalPreference.Tests.Data;

/// <summary>The one CSV/TSV reader (<see cref="CsvParser"/>), through <see cref="TableReader"/> as every verb reads tables:
/// RFC 4180 quoting, line ends, BOM, blank lines, and refusals that name the file, row, column and line.</summary>
public sealed class CsvParserTests : IDisposable
{
    readonly TempFiles _tmp = new();
    public void Dispose() => _tmp.Dispose();

    [Fact]
    public void CsvQuotingDoubledQuotesAndEmbeddedDelimiters()
    {
        var p = _tmp.Text("q.csv", "text,y\n\"a, b\",1\n\"say \"\"hi\"\"\",2\nplain,3\n\"\",4\n");
        var t = TableReader.Read(p);
        Assert.Equal(new[] { "text", "y" }, t.Columns);
        Assert.Equal(4, t.RowCount);
        Assert.Equal("a, b", t.Get(0, "text"));
        Assert.Equal("say \"hi\"", t.Get(1, "text"));
        Assert.Equal("plain", t.Get(2, 0));
        Assert.Equal("", t.Get(3, "text"));
        Assert.Equal("4", t.Get(3, "y"));
    }

    [Fact]
    public void CsvCrlfBomAndQuotedNewlines()
    {
        var body = "text,y\r\n\"line one\r\nline two\",1\r\nsecond,2\r\n";
        var bytes = new byte[] { 0xEF, 0xBB, 0xBF }.Concat(Encoding.UTF8.GetBytes(body)).ToArray();
        var t = TableReader.Read(_tmp.Bytes("crlf.csv", bytes));
        Assert.Equal("text", t.Columns[0]); // BOM stripped from the first column name
        Assert.Equal(2, t.RowCount);
        Assert.Equal("line one\r\nline two", t.Get(0, "text"));
        Assert.Equal("2", t.Get(1, "y")); // no trailing \r left on the last field
    }

    [Fact]
    public void CsvNoTrailingNewlineTrailingBlankLinesIgnoredNonAscii()
    {
        var t = TableReader.Read(_tmp.Text("n.csv", "text,y\nnaïve café ☕,1\nb,2"));
        Assert.Equal(2, t.RowCount);
        Assert.Equal("naïve café ☕", t.Get(0, "text"));
        var t2 = TableReader.Read(_tmp.Text("n2.csv", "text,y\na,1\n\n\n"));
        Assert.Equal(1, t2.RowCount);
    }

    [Fact]
    public void TsvReadsTabs()
    {
        var t = TableReader.Read(_tmp.Text("t.tsv", "text\ty\nhello, world\t0.5\n"));
        Assert.Equal("hello, world", t.Get(0, "text"));
        Assert.Equal("0.5", t.Get(0, "y"));
    }

    [Fact]
    public void BlankOnlyCsvIsEmpty()
    {
        var e = Assert.Throws<InputException>(() => TableReader.Read(_tmp.Text("b.csv", "\n\r\n")));
        Assert.Contains("empty", e.Message);
    }

    [Fact]
    public void DuplicateColumnRefused()
    {
        var e = Assert.Throws<InputException>(() => TableReader.Read(_tmp.Text("d.csv", "text,y,text\na,1,b\n")));
        Assert.Equal(0, e.Row);
        Assert.Equal("text", e.Column);
        Assert.Contains("row 0", e.Message);
        Assert.Contains("'text'", e.Message);
    }

    [Fact]
    public void RaggedRowTooManyRefusedWithDataRowNumber()
    {
        // The quoted newline in row 1 makes row 3 start on line 5; the reported row is the data-row number 3.
        var e = Assert.Throws<InputException>(() => TableReader.Read(_tmp.Text("r.csv", "text,y\n\"a\nb\",1\nc,2\nd,3,extra\n")));
        Assert.Equal(3, e.Row);
        Assert.Contains("row 3", e.Message);
        Assert.Contains("line 5", e.Message);
        Assert.Contains("text, y", e.Message);
    }

    [Fact]
    public void RaggedRowTooFewRefused()
    {
        var e = Assert.Throws<InputException>(() => TableReader.Read(_tmp.Text("r.tsv", "text\ty\tz\na\t1\t2\nb\t1\n")));
        Assert.Equal(2, e.Row);
        Assert.Contains("row 2", e.Message);
        Assert.Contains("2 fields", e.Message);
    }

    [Fact]
    public void BlankLineBetweenRowsRefused()
    {
        var e = Assert.Throws<InputException>(() => TableReader.Read(_tmp.Text("bl.csv", "text,y\na,1\n\nb,2\n")));
        Assert.Equal(2, e.Row);
        Assert.Contains("blank", e.Message);
    }

    [Fact]
    public void UnterminatedQuoteRefused()
    {
        var e = Assert.Throws<InputException>(() => TableReader.Read(_tmp.Text("u.csv", "text,y\na,1\n\"never closed,2\n")));
        Assert.Equal(2, e.Row);
        Assert.Contains("never closed", e.Message);
    }

    [Fact]
    public void TextAfterClosingQuoteRefused()
    {
        var e = Assert.Throws<InputException>(() => TableReader.Read(_tmp.Text("s.csv", "text,y\n\"ab\"c,1\n")));
        Assert.Equal(1, e.Row);
    }

    [Fact]
    public void InvalidUtf8RefusedNamingTheRow()
    {
        // row 1 spans two lines (quoted newline); the bad byte 0xFF is in data row 2 (line 4).
        var head = Encoding.UTF8.GetBytes("text,y\n\"ok\nok\",1\nbad");
        var tail = Encoding.UTF8.GetBytes(" text,2\nfine,3\n");
        var bytes = head.Concat(new byte[] { 0xFF }).Concat(tail).ToArray();
        var e = Assert.Throws<InputException>(() => TableReader.Read(_tmp.Bytes("bad.csv", bytes)));
        Assert.Equal(2, e.Row);
        Assert.Contains("row 2", e.Message);
        Assert.Contains("UTF-8", e.Message);
        Assert.Contains("line 4", e.Message);
    }

    [Fact]
    public void Utf16FileRefusedWithAdvice()
    {
        var bytes = Encoding.Unicode.GetPreamble().Concat(Encoding.Unicode.GetBytes("text,y\na,1\n")).ToArray();
        var e = Assert.Throws<InputException>(() => TableReader.Read(_tmp.Bytes("w.csv", bytes)));
        Assert.Contains("UTF-16", e.Message);
    }

    [Fact]
    public void EmptyFieldsAndEmbeddedNewlineWithBomAndCrlf()
    {
        var t = TableReader.Read(_tmp.Text("t.csv", "\uFEFFprompt,text\r\n\"a, b\",\"say \"\"hi\"\"\"\r\nplain,\"two\nlines\"\r\n,\n"));
        Assert.Equal(new[] { "prompt", "text" }, t.Columns);
        Assert.Equal(3, t.RowCount);
        Assert.Equal("a, b", t.Get(0, "prompt"));
        Assert.Equal("say \"hi\"", t.Get(0, "text"));
        Assert.Equal("two\nlines", t.Get(1, "text"));
        Assert.Equal("", t.Get(2, "prompt"));
        Assert.Equal("", t.Get(2, "text"));
    }

    [Fact]
    public void CarriageReturnLineEnds()
    {
        var t = TableReader.Read(_tmp.Text("cr.csv", "text,y\ra,1\r\"b\rc\",2"));
        Assert.Equal(2, t.RowCount);
        Assert.Equal("1", t.Get(0, "y"));
        Assert.Equal("b\rc", t.Get(1, "text"));
    }

    [Fact]
    public void HeaderOnlyHasNoRows()
    {
        var t = TableReader.Read(_tmp.Text("h.csv", "text,y\n"));
        Assert.Equal(new[] { "text", "y" }, t.Columns);
        Assert.Equal(0, t.RowCount);
    }

    [Fact]
    public void QuoteInsideAnUnquotedValueIsText()
    {
        var t = TableReader.Read(_tmp.Text("s.csv", "text,y\na 5\" screen,1\nnext,2\n"));
        Assert.Equal(2, t.RowCount);
        Assert.Equal("a 5\" screen", t.Get(0, "text"));
        Assert.Equal("next", t.Get(1, "text"));
    }

    [Fact]
    public void QuotedEmptyValueIsARowNotABlankLine()
    {
        // In a one-column file a blank line between rows reads as an empty value; "" at the end is a row, a blank line is not.
        var t = TableReader.Read(_tmp.Text("one.csv", "text\na\n\nb\n\"\"\n\n"));
        Assert.Equal(4, t.RowCount);
        Assert.Equal("", t.Get(1, 0));
        Assert.Equal("b", t.Get(2, 0));
        Assert.Equal("", t.Get(3, 0));
    }

    [Fact]
    public void SemicolonIsNotADelimiter()
    {
        var t = TableReader.Read(_tmp.Text("semi.csv", "text;y\na;1\n"));
        Assert.Equal(new[] { "text;y" }, t.Columns);
        Assert.Equal("a;1", t.Get(0, 0));
    }

    [Fact]
    public void UnterminatedQuoteInAOneColumnFileRefusedWithItsLine()
    {
        var e = Assert.Throws<InputException>(() => TableReader.Read(_tmp.Text("u1.csv", "text\na\n\"b\nc\n")));
        Assert.Equal(2, e.Row);
        Assert.Equal("text", e.Column);
        Assert.Contains("opened on line 3", e.Message);
        Assert.Contains("never closed", e.Message);
    }

    [Fact]
    public void UnterminatedQuoteAfterAStrayQuoteRefused()
    {
        var e = Assert.Throws<InputException>(() => TableReader.Read(_tmp.Text("u2.csv", "text,y\na\"b,\"1\n")));
        Assert.Equal(1, e.Row);
        Assert.Equal("y", e.Column);
        Assert.Contains("never closed", e.Message);
    }

    [Fact]
    public void TextAfterClosingQuoteAfterAStrayQuoteRefused()
    {
        var e = Assert.Throws<InputException>(() => TableReader.Read(_tmp.Text("t2.csv", "text,y\nok,1\na\"b,\"1\n2\"x\n")));
        Assert.Equal(2, e.Row);
        Assert.Equal("y", e.Column);
        Assert.Contains("after a closing quote on line 4", e.Message);
    }

    [Fact]
    public void MalformedHeaderRefusedAsRowZero()
    {
        var e = Assert.Throws<InputException>(() => TableReader.Read(_tmp.Text("hq.csv", "\"text\"x,y\na,1\n")));
        Assert.Equal(0, e.Row);
        Assert.Null(e.Column);
        Assert.Contains("(field 1)", e.Message);
    }

    [Fact]
    public void InvalidUtf8AfterABlankLineAndAnOpenQuoteNamesTheRow()
    {
        var e1 = Assert.Throws<InputException>(() => TableReader.Read(_tmp.Bytes("b1.csv", [.. Encoding.UTF8.GetBytes("text,y\na,1\n"), 0xFF, .. Encoding.UTF8.GetBytes(",2\n")])));
        Assert.Equal(2, e1.Row);
        var e2 = Assert.Throws<InputException>(() => TableReader.Read(_tmp.Bytes("b2.csv", [.. Encoding.UTF8.GetBytes("text,y\n\"a\n\nb"), 0xFF, .. Encoding.UTF8.GetBytes("\",2\n")])));
        Assert.Equal(1, e2.Row);
        Assert.Contains("line 4", e2.Message);
        var e3 = Assert.Throws<InputException>(() => TableReader.Read(_tmp.Bytes("b3.tsv", [0xFF, .. Encoding.UTF8.GetBytes("text\ty\n")])));
        Assert.Equal(0, e3.Row);
    }
}
