using CausalPreference.IO;
using CausalPreference.Reporting;

namespace CausalPreference.Tests.Evaluation;

public class SimpleCsvTests
{
    [Fact]
    public void ReadsQuotesCommasNewlinesCrlfAndBom()
    {
        var text = "\uFEFFprompt,text\r\n\"a, b\",\"say \"\"hi\"\"\"\r\nplain,\"two\nlines\"\r\n,\n";
        var (h, rows) = SimpleCsv.Parse(text, "t.csv");
        Assert.Equal(["prompt", "text"], h);
        Assert.Equal(3, rows.Count);
        Assert.Equal(["a, b", "say \"hi\""], rows[0]);
        Assert.Equal(["plain", "two\nlines"], rows[1]);
        Assert.Equal(["", ""], rows[2]);
    }

    [Fact]
    public void ReportsBadRowsWithFileAndRow()
    {
        var e1 = Assert.Throws<InputException>(() => SimpleCsv.Parse("a,b\n1,2\n3\n", "x.csv"));
        Assert.Equal(2, e1.Row);
        Assert.Equal("x.csv", e1.File);
        var e2 = Assert.Throws<InputException>(() => SimpleCsv.Parse("a\n\"open\n", "y.csv"));
        Assert.Contains("never closed", e2.Message);
        Assert.Throws<InputException>(() => SimpleCsv.Parse("a\n\"x\"y\n", "z.csv"));
        Assert.Throws<InputException>(() => SimpleCsv.Parse("", "e.csv"));
    }
}
