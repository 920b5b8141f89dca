using CausalPreference.Training;

namespace CausalPreference.Tests.Training;

public class TrainingAlarmsTests
{
    static IReadOnlyDictionary<string, double?> Step(double ess, double grad, double lrMin, double lrMax) =>
        new Dictionary<string, double?> { ["ess"] = ess, ["grad_norm"] = grad, ["log_ratio_min"] = lrMin, ["log_ratio_max"] = lrMax };

    [Fact]
    public void AHealthyRunRaisesNone()
    {
        var steps = Enumerable.Range(0, 20).Select(i => Step(3.2, 0.4, -1, 1)).ToList();
        Assert.Empty(TrainingAlarms.FromSteps(steps));
    }

    [Fact]
    public void OneRowZeroGradientAndFarRatiosEachRaiseTheirAlarm()
    {
        // the Upworthy case: ESS 1 of 4 and ratios tens of nats apart
        var oneRow = Enumerable.Range(0, 10).Select(i => Step(1.0, 1e-14, -40, -12)).ToList();
        var a = TrainingAlarms.FromSteps(oneRow);
        Assert.Equal(3, a.Count);
        Assert.Contains(a, s => s.StartsWith("ESS of about one row in 10 of 10 steps"));
        Assert.Contains(a, s => s.StartsWith("gradient norm about zero") && s.Contains("10 of 10"));
        Assert.Contains(a, s => s.StartsWith("log importance ratios beyond ±20"));
        // a minority of bad steps is not an alarm
        var few = Enumerable.Range(0, 10).Select(i => i < 4 ? Step(1.0, 0, -40, 0) : Step(3, 0.5, -1, 1)).ToList();
        Assert.Empty(TrainingAlarms.FromSteps(few));
    }

    static IReadOnlyDictionary<string, double> Evaluation(long step, bool estimable, double ess) => new Dictionary<string, double>
    {
        ["step"] = step, ["validation_selection_estimable"] = estimable ? 1 : 0, ["validation_selection_ess_fraction"] = ess,
    };

    [Fact]
    public void AKeptCheckpointWithoutAnEstimateSaysItWasNotShownBetter()
    {
        // every evaluation rested on too few rows: the one kept (step 20) was kept for its ESS, not for beating FT
        var none = new[] { Evaluation(10, false, 0.02), Evaluation(20, false, 0.04) };
        var a = Assert.Single(TrainingAlarms.FromSelection(none, 20));
        Assert.StartsWith("no checkpoint was shown to be better than FT: in 2 of 2 evaluations", a);
        Assert.Contains("step 20: ESS 4%", a);
        var counted = new Dictionary<string, double>(Evaluation(20, false, 0.5)) { ["validation_selection_rows"] = 6 };
        Assert.Contains("step 20: an effective 3 of 6 selection rows, fewer than the 5 needed", Assert.Single(TrainingAlarms.FromSelection([counted], 20)));
        // a kept checkpoint with an estimate, or a run without selection (paper-exact), raises nothing
        Assert.Empty(TrainingAlarms.FromSelection([Evaluation(10, false, 0.02), Evaluation(20, true, 0.5)], 20));
        Assert.Empty(TrainingAlarms.FromSelection([new Dictionary<string, double> { ["step"] = 20, ["validation_loss"] = 1 }], 20));
    }
}
