using CausalPreference.Data;
using CausalPreference.Pipeline;

namespace CausalPreference.Tests.Pipeline;

public class DesignPropensityTests(Xunit.Abstractions.ITestOutputHelper output)
{
    // Tests A (week 201320; 100 and 300 impressions) and B (week 201410; 50, 50, 100) survive the exclusion of
    // weeks [201325, 201404]; test C (week 201330) is dropped.
    static Table Hand() => new("hand.csv", ["test_id", "test_week", "headline", "impressions", "clicks"],
    [
        ["A", "201320", "a1", "100", "1"],
        ["A", "201320", "a2", "300", "9"],
        ["C", "201330", "c1", "10", "1"],
        ["B", "201410", "b1", "50", "2"],
        ["B", "201410", "b2", "50", "1"],
        ["C", "201330", "c2", "30", "2"],
        ["B", "201410", "b3", "100", "3"],
    ]);

    [Fact]
    public void ExcludingTheImbalanceWeeksReportsWhatItDropped()
    {
        var (kept, rep) = DesignPropensity.ExcludeWeeks(Hand(), "test_week", "test_id", 201325, 201404);
        Assert.Equal(5, kept.RowCount);
        Assert.Equal(7, rep.RowsBefore);
        Assert.Equal(2, rep.RowsExcluded);
        Assert.Equal(1, rep.TestsExcluded);
        Assert.DoesNotContain(Enumerable.Range(0, kept.RowCount), r => kept.Get(r, "test_id") == "C");
        Assert.Contains("excluded 2 of 7 rows (1 tests)", rep.ToString());
    }

    [Fact]
    public void TestUniformDesignIsOneOverTestsTimesTheImpressionShare()
    {
        var (kept, _) = DesignPropensity.ExcludeWeeks(Hand(), "test_week", "test_id", 201325, 201404);
        var lp = DesignPropensity.LogPropensities(kept, "test_id", "impressions", DesignMethod.TestUniform);
        // by hand: 2 tests; A: 100/400 and 300/400; B: 50/200, 50/200, 100/200
        double[] expected = [Math.Log(0.5 * 0.25), Math.Log(0.5 * 0.75), Math.Log(0.5 * 0.25), Math.Log(0.5 * 0.25), Math.Log(0.5 * 0.5)];
        Assert.Equal(expected.Length, lp.Length);
        for (int i = 0; i < lp.Length; i++) Assert.Equal(expected[i], lp[i], 12);
        Assert.Equal(1.0, lp.Sum(Math.Exp), 12); // a distribution over the kept rows
    }

    [Fact]
    public void ImpressionShareDesignDividesByAllImpressions()
    {
        var lp = DesignPropensity.LogPropensities(Hand(), "test_id", "impressions", DesignMethod.ImpressionShare);
        double[] imp = [100, 300, 10, 50, 50, 30, 100];
        for (int i = 0; i < lp.Length; i++) Assert.Equal(Math.Log(imp[i] / 640.0), lp[i], 12);
    }

    [Fact]
    public void TheDerivedColumnLoadsAsDesignProbabilities()
    {
        var (kept, _) = DesignPropensity.ExcludeWeeks(Hand(), "test_week", "test_id", 201325, 201404);
        var t = DesignPropensity.WithColumn(kept, "log_propensity", DesignPropensity.LogPropensities(kept, "test_id", "impressions", DesignMethod.TestUniform));
        var ds = DirectOutcomeDataset.FromTable(t, new DatasetSpec("hand.csv", "headline")
        { ClicksColumn = "clicks", ImpressionsColumn = "impressions", GroupColumn = "test_id", LogPropensityColumn = "log_propensity" });
        Assert.Equal(Math.Log(0.375), ds.Rows[1].LogPropensity!.Value, 12);
        Assert.Equal(300, ds.Rows[1].Weight);
        Assert.Equal(0.03, ds.Rows[1].Outcome, 12);
    }

    [Fact]
    public void CapKeepsWholeGroupsAndAtMostTheLimit()
    {
        var t = DesignPropensity.Cap(Hand(), 4, "test_id", 3);
        Assert.True(t.RowCount <= 4 && t.RowCount >= 2);
        var groups = Enumerable.Range(0, t.RowCount).GroupBy(r => t.Get(r, "test_id")).ToList();
        var sizes = new Dictionary<string, int> { ["A"] = 2, ["B"] = 3, ["C"] = 2 };
        foreach (var g in groups) Assert.Equal(sizes[g.Key!], g.Count());
    }

    [Fact]
    public void ABadWeekOrImpressionIsRefusedWithItsRow()
    {
        var bad = new Table("bad.csv", ["test_id", "test_week", "impressions"], [["A", "June", "10"], ["A", "201301", "0"]]);
        var e1 = Assert.Throws<CausalPreference.IO.InputException>(() => DesignPropensity.ExcludeWeeks(bad, "test_week", "test_id", 201325, 201404));
        Assert.Equal(1, e1.Row);
        var e2 = Assert.Throws<CausalPreference.IO.InputException>(() => DesignPropensity.LogPropensities(bad, "test_id", "impressions", DesignMethod.TestUniform));
        Assert.Equal(2, e2.Row);
    }

    [SharedDataFact("upworthy_headlines_2013_2014.csv")]
    public void UpworthyFileExclusionCountsAreReported()
    {
        var f = TestData.File("upworthy_headlines_2013_2014.csv")!;
        var t = TableReader.Read(f);
        var (kept, rep) = DesignPropensity.ExcludeWeeks(t, "test_week", "test_id", 201325, 201404);
        // independent count of the same window
        int inWindow = Enumerable.Range(0, t.RowCount).Count(r => int.Parse(t.Get(r, "test_week")!) is >= 201325 and <= 201404);
        Assert.Equal(inWindow, rep.RowsExcluded);
        Assert.Equal(t.RowCount - inWindow, kept.RowCount);
        Assert.True(rep.RowsExcluded > 0);
        output.WriteLine(rep.ToString());
    }
}
