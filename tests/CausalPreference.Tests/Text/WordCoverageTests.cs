using System.Text.Json;
using CausalPreference.Text;

namespace CausalPreference.Tests.Text;

public class WordCoverageTests
{
    [Theory]
    [InlineData("Don’t stop: 3D-printed CATS!", "don't|stop|3d|printed|cats")]
    [InlineData("'Hello' ''' rock'n'roll", "hello|rock'n'roll")]
    [InlineData("Doipmin\uFFFDemexs Thed?", "doipmin|emexs|thed")]
    [InlineData("🙂 ... 42", "42")]
    [InlineData("", "")]
    public void WordsAreRunsOfLettersDigitsAndApostrophes(string text, string words) =>
        Assert.Equal(words.Length == 0 ? [] : words.Split('|'), WordCoverage.WordsOf(text));

    [Fact]
    public void CoverageCountsEveryOccurrence()
    {
        // generated words: the cat sat the dog cat (6); training vocabulary: the cat a sat mat -> dog is novel: 5 of 6
        var r = WordCoverage.Measure(["the cat sat", "the dog? Cat!"], ["The cat", "a sat mat"]);
        Assert.Equal(6, r.Words);
        Assert.Equal(5, r.Covered);
        Assert.Equal(4, r.DistinctWords);
        Assert.Equal(new[] { ("dog", 1) }, r.Novel);
        Assert.Equal(5 / 6.0, r.Share, 12);
        Assert.Equal("word coverage: 83.3% of 6 generated words occur in the training texts (4 distinct, 1 of them novel: dog)", r.Summary());
    }

    [Fact]
    public void NoWordsIsSaidPlainly()
    {
        var r = WordCoverage.Measure(["?!", ""], ["a b"]);
        Assert.Equal(0, r.Words);
        Assert.True(double.IsNaN(r.Share));
        Assert.Equal("word coverage: the samples hold no words", r.Summary());
    }

    [Fact]
    public void TheVerbPrintsAndRecordsTheCoverage()
    {
        using var w = new Workspace();
        var samples = w.Text("g.csv", "prompt,text,logprob\n,Zorb cats win,-1\n,cats cats,-2\n");
        var data = w.Text("d.csv", "headline,clicks\nCats win,1\nDogs lose,2\n");
        var r = CliRunner.Run("word-coverage", "--samples", samples, "--data", data, "--text-column", "headline", "--out", w.Path("c.json"));
        Assert.Equal(0, r.Exit);
        // zorb cats win cats cats: 4 of 5 covered
        Assert.Contains("word coverage: 80.0% of 5 generated words occur in the training texts (3 distinct, 1 of them novel: zorb)", r.Out);
        var j = JsonDocument.Parse(File.ReadAllText(w.Path("c.json"))).RootElement;
        Assert.Equal(4, j.GetProperty("covered").GetInt32());
        Assert.Equal("zorb", j.GetProperty("novel")[0].GetProperty("word").GetString());
    }

    [Fact]
    public void AMissingColumnIsNamed()
    {
        using var w = new Workspace();
        var samples = w.Text("g.csv", "text\ncats\n");
        var data = w.Text("d.csv", "headline\nCats\n");
        var r = CliRunner.Run("word-coverage", "--samples", samples, "--data", data);
        Assert.Equal(2, r.Exit);
        Assert.Contains("no column 'text'", r.Err);
    }
}
