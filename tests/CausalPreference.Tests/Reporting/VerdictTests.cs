using CausalPreference.Reporting;

namespace CausalPreference.Tests.Reporting;

public class VerdictTests
{
    [Fact]
    public void ACollapsedImportanceWeightedEstimateIsSetAsideForTheNextOne()
    {
        // SNIPW rests on 1.2 rows with a zero-width CI, SNDR on 1.2 rows: both set aside; DM is used when ĝ fits
        var v = Verdicts.For("cpo", "ft", [
            new LiftEvidence("SNIPW", 2e-9, 2e-9, 2e-9, EffectiveRows: 1.2),
            new LiftEvidence("SNDR", -3e-4, -6e-4, -1e-6, EffectiveRows: 1.2),
            new LiftEvidence("DM", -3e-4, -6e-4, -1e-6),
        ], higherIsBetter: true, outcomeR2: 0.3, outcomeAuc: null);
        Assert.Equal("worse", v.Outcome);
        Assert.Equal("DM", v.Basis!.Estimator);
        Assert.Equal(2, v.Reasons.Count);
        Assert.Contains(v.Reasons, r => r.StartsWith("SNDR: importance weights resting on 1.2 rows"));
    }

    [Fact]
    public void NothingUsableIsNotEstimableAndSaysWhy()
    {
        // the Upworthy case: zero-width SNIPW, DM/SNDR from an outcome model with held-out R² 0.016
        var v = Verdicts.For("dr-cpo", "ft", [
            new LiftEvidence("SNIPW", 0, -1.659e-21, 1.659e-21, EffectiveRows: 1.0),
            new LiftEvidence("DM", 6e-4, 3e-4, 9e-4),
            new LiftEvidence("SNDR", 6e-4, 3e-4, 9e-4, EffectiveRows: 1.0),
        ], true, 0.016, null);
        Assert.Equal("not estimable", v.Outcome);
        Assert.Null(v.Basis);
        Assert.Contains(v.Reasons, r => r.Contains("outcome model near chance (R² 0.016)"));
        Assert.StartsWith("dr-cpo: not estimable against ft", v.Line(new NumberFormat(0.011)));
    }

    [Fact]
    public void WithinExperimentsIsPreferredAndDirectionRespectsLowerIsBetter()
    {
        LiftEvidence[] e = [new("WITHIN", -0.2, -0.35, -0.05, Experiments: 30), new("SNIPW", 0.1, -0.1, 0.3, EffectiveRows: 50)];
        Assert.Equal("better", Verdicts.For("m", "ft", e, higherIsBetter: false, null, null).Outcome);
        Assert.Equal("worse", Verdicts.For("m", "ft", e, higherIsBetter: true, null, null).Outcome);
        // the set-aside estimates are judged too, even after the preferred one was found usable
        var judged = Verdicts.For("m", "ft", [e[0], new LiftEvidence("SNIPW", 0, 0, 0, EffectiveRows: 1)], true, null, null);
        Assert.Equal("WITHIN", judged.Basis!.Estimator);
        Assert.Contains(judged.Reasons, r => r.StartsWith("SNIPW: "));
        var few = Verdicts.For("m", "ft", [new LiftEvidence("WITHIN", 0.2, 0.1, 0.3, Experiments: 4)], true, null, null);
        Assert.Equal("not estimable", few.Outcome);
        var covers = Verdicts.For("m", "ft", [new LiftEvidence("SNDR", 0.1, -0.1, 0.3, EffectiveRows: 40)], true, 0.01, null);
        Assert.Equal("no detectable difference", covers.Outcome);
        Assert.Contains(covers.Flags, f => f.Contains("near chance"));
    }

    [Fact]
    public void NumbersTakeTheirDecimalsFromTheOutcomeScale()
    {
        var ctr = new NumberFormat(0.01113);
        Assert.Equal(5, ctr.Decimals);
        Assert.Equal("0.01113", ctr.Value(0.011132));
        Assert.Equal("+0.00030", ctr.Difference(0.0003));
        Assert.Equal("-0.00001", ctr.Difference(-1e-5));
        Assert.Equal("[0.01092, 0.01135]", ctr.Interval(0.010921, 0.011349));
        var rating = new NumberFormat(4.2);
        Assert.Equal("4.123", rating.Value(4.1234));
        Assert.Equal("+0.120", rating.Difference(0.12));
        Assert.Equal("–", rating.Value(double.NaN));
        Assert.DoesNotContain("E", ctr.Value(1.659e-21));
    }
}
