using CausalPreference.Causal;
using CausalPreference.Evaluation.OffPolicy;

namespace CausalPreference.Tests.Evaluation.OffPolicy;

public sealed class HeldoutEvaluatorTests
{
    // Four rows in two experiments; three models given by their log-probabilities and the ĝ of their (fixed) samples.
    static readonly HeldoutRows Rows = new(["a", "b", "c", "d"], null, [1.0, 0.0, 2.0, 1.0], null, ["e1", "e1", "e2", "e2"], null);
    static readonly Dictionary<string, double[]> Logp = new()
    {
        ["ft"] = [-2.0, -2.0, -3.0, -3.0],
        ["x"] = [-1.5, -2.5, -2.0, -3.5],
        ["y"] = [-2.5, -1.5, -3.0, -2.0],
    };
    static readonly double[] Logging = [-1.9, -2.1, -2.9, -3.1];

    sealed class FakeScorer : IPolicyScorer
    {
        public readonly List<(string Model, bool WithSamples)> Calls = [];
        public PolicyScores Score(string model, bool withSamples)
        {
            Calls.Add((model, withSamples));
            return new PolicyScores(Logp[model], withSamples ? [$"{model}1", $"{model}22", $"{model}333"] : null);
        }
    }

    static int OutcomeModelCalls;
    static OutcomeModelPredictions G()
    {
        OutcomeModelCalls++;
        return new OutcomeModelPredictions([0.5, 0.5, 1.5, 1.5], texts => texts.Select(t => (double)t.Length).ToArray());
    }

    [Fact]
    public void Estimators_declare_their_needs()
    {
        Assert.Equal(EstimatorNeeds.ImportanceWeights, HeldoutEstimator.ByName("snipw").Needs);
        Assert.Equal(EstimatorNeeds.PolicySamples, HeldoutEstimator.ByName("DM").Needs);
        Assert.Equal(EstimatorNeeds.ImportanceWeights | EstimatorNeeds.OutcomeHatOnRows | EstimatorNeeds.PolicySamples, HeldoutEstimator.ByName("SNDR").Needs);
        Assert.Equal(EstimatorNeeds.Experiments, HeldoutEstimator.ByName("within").Needs);
        Assert.False(HeldoutEstimator.ByName("DM").UsesImportanceWeights);
        Assert.Same(HeldoutEstimator.Of(Estimators.Snipw), HeldoutEstimator.ByName("SNIPW"));
        Assert.Throws<ArgumentException>(() => HeldoutEstimator.ByName("XYZ"));
    }

    [Fact]
    public void Without_an_estimator_that_needs_them_no_samples_are_drawn_and_no_outcome_model_is_fit()
    {
        var scorer = new FakeScorer();
        int before = OutcomeModelCalls;
        var ev = new HeldoutEvaluator(Rows, [HeldoutEstimator.ByName("SNIPW")], scorer) { LoggingLogp = () => Logging, OutcomeModel = G };
        var v = ev.Value(HeldoutEstimator.ByName("SNIPW"), "x");
        ev.Difference(HeldoutEstimator.ByName("SNIPW"), "x", "ft");
        ev.Value(HeldoutEstimator.ByName("SNIPW"), "x");
        Assert.Equal([("x", false), ("ft", false)], scorer.Calls); // each model scored once, without samples
        Assert.Equal(before, OutcomeModelCalls);
        Assert.Equal(Estimators.Snipw.Estimate(new LoggedSample(Logp["x"], Logging, Rows.Outcome)).Estimate, v.Estimate);
    }

    [Fact]
    public void Off_policy_values_and_differences_equal_the_estimators_on_the_same_logged_samples()
    {
        var scorer = new FakeScorer();
        var sndr = HeldoutEstimator.ByName("SNDR");
        var ev = new HeldoutEvaluator(Rows, [sndr], scorer) { LoggingLogp = () => Logging, OutcomeModel = G };
        var sx = new LoggedSample(Logp["x"], Logging, Rows.Outcome, [0.5, 0.5, 1.5, 1.5], [2.0, 3.0, 4.0]);
        var sy = new LoggedSample(Logp["y"], Logging, Rows.Outcome, [0.5, 0.5, 1.5, 1.5], [2.0, 3.0, 4.0]);
        Assert.Equal(Estimators.SelfNormalizedDoublyRobust.Estimate(sx).Estimate, ev.Value(sndr, "x").Estimate);
        var d = ev.Difference(sndr, "x", "y");
        var expected = Estimators.Difference(Estimators.SelfNormalizedDoublyRobust, sx, sy);
        Assert.Equal(expected.Estimate, d.Estimate);
        Assert.Equal(expected.StdError, d.StdError);
        Assert.All(scorer.Calls, c => Assert.True(c.WithSamples));
        Assert.Equal(Math.Min(Estimators.SelfNormalizedDoublyRobust.Estimate(sx).Diagnostics!.Ess, Estimators.SelfNormalizedDoublyRobust.Estimate(sy).Diagnostics!.Ess),
            ev.EffectiveRows(sndr, "x", "y"));
    }

    [Fact]
    public void Estimators_that_need_samples_are_unavailable_when_none_can_be_drawn()
    {
        var scorer = new FakeScorer();
        var ev = new HeldoutEvaluator(Rows, HeldoutEstimator.OffPolicy, scorer) { LoggingLogp = () => Logging, OutcomeModel = G, SamplesUnavailable = "no samples" };
        var results = ev.Estimators.Select(e => ev.TryValue(e, "x")).ToList();
        Assert.Equal(["IPW", "SNIPW"], results.Where(r => r.Value != null).Select(r => r.Estimator));
        Assert.All(results.Where(r => r.Value is null), r => Assert.Equal("no samples", r.Unavailable));
        Assert.DoesNotContain(scorer.Calls, c => c.WithSamples);
        Assert.Throws<InvalidOperationException>(() => ev.Value(HeldoutEstimator.ByName("DM"), "x"));
    }

    [Fact]
    public void Within_is_relative_to_the_base_model_and_needs_no_logging_probabilities()
    {
        var scorer = new FakeScorer();
        var ev = new HeldoutEvaluator(Rows, [HeldoutEstimator.Within], scorer) { BaseModel = "ft" }; // no LoggingLogp: WITHIN does not ask for it
        var groups = WithinExperimentValue.Index(Rows.Experiments!);
        var design = WithinExperimentValue.ArmUniform(groups);
        var d = ev.Difference(HeldoutEstimator.Within, "x", "y");
        var expected = WithinExperimentValue.Difference(Logp["x"], Logp["y"], Logp["ft"], design, Rows.Outcome, groups);
        Assert.Equal(expected.Estimate, d.Estimate);
        Assert.Equal(WithinExperimentValue.Estimate(Logp["ft"], Logp["ft"], design, Rows.Outcome, groups).Estimate, ev.Value(HeldoutEstimator.Within, "ft").Estimate);
        Assert.Equal(2, ev.ContrastingExperiments);
        Assert.Equal(0, ev.EffectiveRows(HeldoutEstimator.Within, "x", "y")); // 2 < 5 experiments: nothing can be seen
        Assert.Null(ev.Logging);
    }
}
