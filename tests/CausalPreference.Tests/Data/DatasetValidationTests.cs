using CausalPreference.Data;
using CausalPreference.IO;

namespace CausalPreference.Tests.Data;

/// <summary>Every refused input: an InputException naming the file, the row and the column.</summary>
public sealed class DatasetValidationTests : IDisposable
{
    readonly TempFiles _tmp = new();
    public void Dispose() => _tmp.Dispose();

    InputException Refused(string csv, Func<string, DatasetSpec> spec)
    {
        var p = _tmp.Text($"d{Guid.NewGuid():N}.csv", csv);
        var e = Assert.Throws<InputException>(() => DirectOutcomeDataset.Load(spec(p)));
        Assert.Contains(p, e.Message);
        return e;
    }

    static void At(InputException e, long row, string column)
    {
        Assert.Equal(row, e.Row);
        Assert.Equal(column, e.Column);
        Assert.Contains($"row {row}", e.Message);
        Assert.Contains($"'{column}'", e.Message);
    }

    static DatasetSpec Basic(string p) => new(p, "text") { OutcomeColumn = "y" };

    [Fact]
    public void MissingColumnSuggestsClosestAndListsAvailable()
    {
        var e = Refused("text,outcome_score,other\na,1,x\nb,2,y\n", p => new DatasetSpec(p, "text") { OutcomeColumn = "Outcome_Scor" });
        At(e, 0, "Outcome_Scor");
        Assert.Contains("Did you mean 'outcome_score'?", e.Message);
        Assert.Contains("'text', 'outcome_score', 'other'", e.Message);
    }

    [Fact]
    public void MissingColumnSuggestsHeaderNameWithStraySpace()
    {
        var e = Refused("text, y\na,1\nb,2\n", Basic);
        At(e, 0, "y");
        Assert.Contains("Did you mean ' y'?", e.Message);
    }

    [Fact]
    public void MissingColumnNoCloseMatchStillListsColumns()
    {
        var e = Refused("text,y\na,1\nb,2\n", p => new DatasetSpec(p, "text") { OutcomeColumn = "y", GroupColumn = "campaign_identifier" });
        At(e, 0, "campaign_identifier");
        Assert.DoesNotContain("Did you mean", e.Message);
        Assert.Contains("'text', 'y'", e.Message);
    }

    [Theory]
    [InlineData("abc", "not a number")]
    [InlineData("1,5", "not a number")]   // quoted below so the comma is inside the value
    [InlineData("NaN", "not a finite number")]
    [InlineData("Infinity", "not a finite number")]
    [InlineData("-Infinity", "not a finite number")]
    [InlineData("", "empty")]
    [InlineData("   ", "empty")]
    public void BadOutcomeRefused(string value, string says)
    {
        var e = Refused($"text,y\na,1\nb,\"{value}\"\nc,0\n", Basic);
        At(e, 2, "y");
        Assert.Contains(says, e.Message);
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("\t")]
    public void BlankTextRefused(string text)
    {
        var e = Refused($"text,y\na,1\nb,0\n\"{text}\",1\n", Basic);
        At(e, 3, "text");
        Assert.Contains("empty or white space", e.Message);
    }

    [Theory]
    [InlineData("0.5", "above 0")]
    [InlineData("NaN", "finite")]
    [InlineData("-Infinity", "finite")]
    [InlineData("x", "not a number")]
    [InlineData("", "empty")]
    public void BadLogPropensityRefused(string value, string says)
    {
        var e = Refused($"text,y,lp\na,1,-1\nb,0,{value}\n", p => Basic(p) with { LogPropensityColumn = "lp" });
        At(e, 2, "lp");
        Assert.Contains(says, e.Message);
    }

    [Theory]
    [InlineData("-1", "negative")]
    [InlineData("NaN", "finite")]
    [InlineData("Infinity", "finite")]
    [InlineData("", "empty")]
    public void BadWeightRefused(string value, string says)
    {
        var e = Refused($"text,y,w\na,1,2\nb,0,1\nc,1,{value}\n", p => Basic(p) with { WeightColumn = "w" });
        At(e, 3, "w");
        Assert.Contains(says, e.Message);
    }

    [Fact]
    public void ZeroWeightRefusedSayingWhatToDo()
    {
        var e = Refused("text,y,w\na,1,2\nb,0,0\n", p => Basic(p) with { WeightColumn = "w" });
        At(e, 2, "w");
        Assert.Contains("remove the row or give it a positive weight", e.Message, StringComparison.OrdinalIgnoreCase);
    }

    static DatasetSpec Binomial(string p) => new(p, "h") { ClicksColumn = "c", ImpressionsColumn = "m" };

    [Fact]
    public void ClicksAboveImpressionsRefused()
    {
        var e = Refused("h,c,m\na,1,10\nb,11,10\n", Binomial);
        At(e, 2, "c");
        Assert.Contains("exceed", e.Message);
    }

    [Fact]
    public void NegativeClicksRefused()
    {
        var e = Refused("h,c,m\na,1,10\nb,-1,10\n", Binomial);
        At(e, 2, "c");
        Assert.Contains("negative", e.Message);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("-5")]
    public void NonPositiveImpressionsRefused(string m)
    {
        var e = Refused($"h,c,m\na,1,10\nb,0,{m}\n", Binomial);
        At(e, 2, "m");
        Assert.Contains("above 0", e.Message);
    }

    [Fact]
    public void NonNumericClicksRefused()
    {
        var e = Refused("h,c,m\na,1,10\nb,n/a,10\n", Binomial);
        At(e, 2, "c");
    }

    [Fact]
    public void BinaryKindWith12CodingRefusedSayingRecode()
    {
        var e = Refused("text,y\na,1\nb,2\nc,1\n", p => Basic(p) with { Kind = OutcomeKind.Binary });
        At(e, 2, "y");
        Assert.Contains("Recode to 0/1", e.Message);
    }

    [Fact]
    public void AllOutcomesEqualRefusedNothingToLearn()
    {
        var e = Refused("text,y\na,3\nb,3.0\nc,3\n", Basic);
        Assert.Equal("y", e.Column);
        Assert.Contains("'y'", e.Message);
        Assert.Contains("nothing to learn", e.Message);
    }

    [Fact]
    public void AllBinomialRatesEqualRefused()
    {
        var e = Refused("h,c,m\na,0,10\nb,0,20\n", Binomial);
        Assert.Contains("nothing to learn", e.Message);
        Assert.Contains("c/m", e.Message);
    }

    [Fact]
    public void SingleRowRefused()
    {
        var e = Refused("text,y\na,1\n", Basic);
        At(e, 1, "text");
        Assert.Contains("at least 2", e.Message);
    }

    [Fact]
    public void HeaderOnlyRefused()
    {
        var e = Refused("text,y\n", Basic);
        Assert.Contains("0 data rows", e.Message);
    }

    [Fact]
    public void EmptyGroupRefused()
    {
        var e = Refused("text,y,g\na,1,t1\nb,0,\n", p => Basic(p) with { GroupColumn = "g" });
        At(e, 2, "g");
    }

    [Fact]
    public void SpecConflictsRefused()
    {
        Refused("h,c,m,y\na,1,2,1\nb,0,2,0\n", p => Binomial(p) with { OutcomeColumn = "y" });
        Refused("h,c,m\na,1,2\nb,0,2\n", p => new DatasetSpec(p, "h") { ClicksColumn = "c" });
        Refused("h,c,m\na,1,2\nb,0,2\n", p => Binomial(p) with { Kind = OutcomeKind.Binary });
        Refused("text,y\na,1\nb,0\n", p => Basic(p) with { Kind = OutcomeKind.Binomial });
        var e = Refused("text,y\na,1\nb,0\n", p => new DatasetSpec(p, "text"));
        Assert.Contains("no outcome", e.Message);
    }

    [Fact]
    public void RaggedRowRefusedThroughLoad()
    {
        var e = Refused("text,y\na,1\nb,0,9\n", Basic);
        Assert.Equal(2, e.Row);
        Assert.Contains("row 2", e.Message);
    }

    [Fact]
    public void MissingTextInJsonLinesIsEmptyText()
    {
        var p = _tmp.Text("m.jsonl", "{\"text\":\"a\",\"y\":1}\n{\"y\":0}\n");
        var e = Assert.Throws<InputException>(() => DirectOutcomeDataset.Load(Basic(p)));
        At(e, 2, "text");
    }
}
