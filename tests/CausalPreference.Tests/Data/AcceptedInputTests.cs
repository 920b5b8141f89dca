using System.Text;
using CausalPreference.Data;

namespace CausalPreference.Tests.Data;

/// <summary>Inputs that look odd but are valid (UTF-8 BOM, CRLF line ends, newlines inside quoted values) are ACCEPTED:
/// exit code 0, every row read, and the texts exactly as written.</summary>
public sealed class AcceptedInputTests : IDisposable
{
    readonly Workspace _ws = new();
    readonly string _model;
    string OutCsv => _ws.Path("scores.csv");

    public AcceptedInputTests() => _model = _ws.MicroCheckpoint();

    public void Dispose() => _ws.Dispose();

    string[] ScoredTexts(string data)
    {
        var r = CliRunner.Run("score", "--data", data, "--model", _model, "--out", OutCsv);
        Assert.True(r.Exit == 0, r.ToString());
        var t = TableReader.Read(OutCsv);
        int c = t.IndexOf("text");
        return Enumerable.Range(0, t.RowCount).Select(i => t.Get(i, c)!).ToArray();
    }

    [Fact]
    public void ByteOrderMark()
    {
        var f = _ws.Bytes("bom.csv", [.. Encoding.UTF8.GetPreamble(), .. Encoding.UTF8.GetBytes("text,y\ncafé au lait,1\nthe dog,2\n")]);
        Assert.Equal(["café au lait", "the dog"], ScoredTexts(f));
    }

    [Fact]
    public void CrLfLineEnds()
    {
        var f = _ws.Text("crlf.csv", "text,y\r\nthe cat,1\r\na dog,2\r\nthe bird,3\r\n");
        Assert.Equal(["the cat", "a dog", "the bird"], ScoredTexts(f));
    }

    [Fact]
    public void QuotedNewlines()
    {
        var f = _ws.Text("nl.csv", "text,y\n\"line one\nline two\",1\n\"a \"\"quoted\"\", comma\r\nand CRLF\",2\nplain,3\n");
        Assert.Equal(["line one\nline two", "a \"quoted\", comma\r\nand CRLF", "plain"], ScoredTexts(f));
    }

    [Fact]
    public void AllThreeTogetherForTraining()
    {
        var body = "text,y\r\n\"the cat\r\nsat\",1\r\na dog ran,0\r\n\"a bird\nflew\",1\r\nthe fish swam,0\r\n";
        var f = _ws.Bytes("all.csv", [.. Encoding.UTF8.GetPreamble(), .. Encoding.UTF8.GetBytes(body)]);
        var r = CliRunner.Run("train", "--data", f, "--outcome-column", "y", "--higher-is-better", "--model", _model, "--objective", "cpo",
            "--out", _ws.Path("run"), "--epochs", "1", "--batch-size", "2", "--validation-fraction", "0.25");
        Assert.True(r.Exit == 0, r.ToString());
        Assert.Contains("4 rows", r.Err);
        Assert.True(File.Exists(Path.Combine(_ws.Path("run"), "run.json")));
    }
}
