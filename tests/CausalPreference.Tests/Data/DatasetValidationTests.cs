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
    public void Missing_Column_SuggestsClosest_AndListsAvailable()
    {
        var e = Refused("text,outcome_score,other\na,1,x\nb,2,y\n", p => new DatasetSpec(p, "text") { OutcomeColumn = "Outcome_Scor" });
        At(e, 0, "Outcome_Scor");
        Assert.Contains("Did you mean 'outcome_score'?", e.Message);
        Assert.Contains("'text', 'outcome_score', 'other'", e.Message);
    }

    [Fact]
    public void Missing_Column_Suggests_Header_Name_With_Stray_Space()
    {
        var e = Refused("text, y\na,1\nb,2\n", Basic);
        At(e, 0, "y");
        Assert.Contains("Did you mean ' y'?", e.Message);
    }

    [Fact]
    public void Missing_Column_NoCloseMatch_StillListsColumns()
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
    public void Bad_Outcome_Refused(string value, string says)
    {
        var e = Refused($"text,y\na,1\nb,\"{value}\"\nc,0\n", Basic);
        At(e, 2, "y");
        Assert.Contains(says, e.Message);
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("\t")]
    public void Blank_Text_Refused(string text)
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
    public void Bad_LogPropensity_Refused(string value, string says)
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
    public void Bad_Weight_Refused(string value, string says)
    {
        var e = Refused($"text,y,w\na,1,2\nb,0,1\nc,1,{value}\n", p => Basic(p) with { WeightColumn = "w" });
        At(e, 3, "w");
        Assert.Contains(says, e.Message);
    }

    [Fact]
    public void Zero_Weight_Refused_SayingWhatToDo()
    {
        var e = Refused("text,y,w\na,1,2\nb,0,0\n", p => Basic(p) with { WeightColumn = "w" });
        At(e, 2, "w");
        Assert.Contains("remove the row or give it a positive weight", e.Message, StringComparison.OrdinalIgnoreCase);
    }

    static DatasetSpec Binomial(string p) => new(p, "h") { ClicksColumn = "c", ImpressionsColumn = "m" };

    [Fact]
    public void Clicks_Above_Impressions_Refused()
    {
        var e = Refused("h,c,m\na,1,10\nb,11,10\n", Binomial);
        At(e, 2, "c");
        Assert.Contains("exceed", e.Message);
    }

    [Fact]
    public void Negative_Clicks_Refused()
    {
        var e = Refused("h,c,m\na,1,10\nb,-1,10\n", Binomial);
        At(e, 2, "c");
        Assert.Contains("negative", e.Message);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("-5")]
    public void NonPositive_Impressions_Refused(string m)
    {
        var e = Refused($"h,c,m\na,1,10\nb,0,{m}\n", Binomial);
        At(e, 2, "m");
        Assert.Contains("above 0", e.Message);
    }

    [Fact]
    public void NonNumeric_Clicks_Refused()
    {
        var e = Refused("h,c,m\na,1,10\nb,n/a,10\n", Binomial);
        At(e, 2, "c");
    }

    [Fact]
    public void Binary_Kind_With_1_2_Coding_Refused_SayingRecode()
    {
        var e = Refused("text,y\na,1\nb,2\nc,1\n", p => Basic(p) with { Kind = OutcomeKind.Binary });
        At(e, 2, "y");
        Assert.Contains("Recode to 0/1", e.Message);
    }

    [Fact]
    public void All_Outcomes_Equal_Refused_NothingToLearn()
    {
        var e = Refused("text,y\na,3\nb,3.0\nc,3\n", Basic);
        Assert.Equal("y", e.Column);
        Assert.Contains("'y'", e.Message);
        Assert.Contains("nothing to learn", e.Message);
    }

    [Fact]
    public void All_Binomial_Rates_Equal_Refused()
    {
        var e = Refused("h,c,m\na,0,10\nb,0,20\n", Binomial);
        Assert.Contains("nothing to learn", e.Message);
        Assert.Contains("c/m", e.Message);
    }

    [Fact]
    public void Single_Row_Refused()
    {
        var e = Refused("text,y\na,1\n", Basic);
        At(e, 1, "text");
        Assert.Contains("at least 2", e.Message);
    }

    [Fact]
    public void Header_Only_Refused()
    {
        var e = Refused("text,y\n", Basic);
        Assert.Contains("0 data rows", e.Message);
    }

    [Fact]
    public void Empty_Group_Refused()
    {
        var e = Refused("text,y,g\na,1,t1\nb,0,\n", p => Basic(p) with { GroupColumn = "g" });
        At(e, 2, "g");
    }

    [Fact]
    public void Spec_Conflicts_Refused()
    {
        Refused("h,c,m,y\na,1,2,1\nb,0,2,0\n", p => Binomial(p) with { OutcomeColumn = "y" });
        Refused("h,c,m\na,1,2\nb,0,2\n", p => new DatasetSpec(p, "h") { ClicksColumn = "c" });
        Refused("h,c,m\na,1,2\nb,0,2\n", p => Binomial(p) with { Kind = OutcomeKind.Binary });
        Refused("text,y\na,1\nb,0\n", p => Basic(p) with { Kind = OutcomeKind.Binomial });
        var e = Refused("text,y\na,1\nb,0\n", p => new DatasetSpec(p, "text"));
        Assert.Contains("no outcome", e.Message);
    }

    [Fact]
    public void Ragged_Row_Refused_Through_Load()
    {
        var e = Refused("text,y\na,1\nb,0,9\n", Basic);
        Assert.Equal(2, e.Row);
        Assert.Contains("row 2", e.Message);
    }

    [Fact]
    public void Missing_Text_In_JsonLines_Is_Empty_Text()
    {
        var p = _tmp.Text("m.jsonl", "{\"text\":\"a\",\"y\":1}\n{\"y\":0}\n");
        var e = Assert.Throws<InputException>(() => DirectOutcomeDataset.Load(Basic(p)));
        At(e, 2, "text");
    }
}
