using CausalPreference.Data;
using CausalPreference.Models;
using CausalPreference.Text;

namespace CausalPreference.Tests.Models;

public class ContextFitTests
{
    static OutcomeRow Row(int index, string text, string? prompt = null) =>
        new() { Index = index, Text = text, Prompt = prompt, Outcome = 1, HigherIsBetter = true };

    [Fact]
    public void ARowFitsWhenBosTextAndEosFillTheContextExactly()
    {
        // byte tokenizer: one token per byte; BOS + 62 bytes + EOS = 64 fits a context of 64, 63 bytes do not
        var rows = new[] { Row(0, new string('a', 62)), Row(1, new string('a', 63)), Row(2, "bb", prompt: new string('p', 60)), Row(3, "bbb", prompt: new string('p', 60)) };
        Assert.Equal(new[] { 1, 3 }, ContextFit.Overlong(new ByteTokenizer(), rows, 64));
        var w = ContextFit.Warning(new ByteTokenizer(), rows, 64, "data.csv", "x");
        Assert.Contains("2 of 4 rows of data.csv", w);
        Assert.Contains("(rows 2, 4)", w); // 1-based source rows
        Assert.Null(ContextFit.Warning(new ByteTokenizer(), rows.Take(1).ToArray(), 64, "data.csv", "x"));
    }

    [Fact]
    public void SftSaysWhichRowsAreLongerThanTheContext()
    {
        using var w = new Workspace();
        var lines = Enumerable.Range(0, 20).Select(i => i == 7 ? new string('z', 100) : "short text " + i);
        var data = w.Text("d.csv", "text\n" + string.Join("\n", lines) + "\n");
        // bytes: 100 z's are 100 tokens (a tokenizer learned from these texts would merge them into a few)
        var r = CliRunner.Run("sft", "--data", data, "--base", "micro", "--out", w.Path("ft"), "--epochs", "1", "--tokenizer", "bytes");
        Assert.Equal(0, r.Exit);
        Assert.Contains("1 of 20 rows of", r.Err);
        Assert.Contains("(rows 8)", r.Err);
        Assert.Contains("context of 64 tokens", r.Err);
    }
}
