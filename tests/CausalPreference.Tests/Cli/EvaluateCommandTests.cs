using CausalPreference.Tests.Evaluation.OffPolicy;
using CausalPreference.Tests.Evaluation;
using CausalPreference.Models;
using CausalPreference.Tests.Models;

namespace CausalPreference.Tests.Cli;

/// <summary>
/// End-to-end runs of <c>causalpo evaluate</c> on two untrained micro models. The models and the score/sample cache are
/// shared by the class (sampling from a byte model is the slow part); each test writes its own output folder.
/// </summary>
[Collection(TorchSerialCollection.Name)]
public sealed class EvaluateCommandTests(EvalFixture f) : IClassFixture<EvalFixture>
{
    readonly EvalFixture _f = f;

    string[] Args(string outDir, params string[] extra) =>
        ["evaluate", "--data", _f.Data, "--outcome-column", "outcome", "--higher-is-better", .. extra, "--cache", _f.Path_("cache"), "--out", outDir];

    [Fact]
    public void EvaluatesTwoModelsWithEveryEstimatorAndMatchesANaiveComputation()
    {
        var outDir = _f.Path_("eval");
        var args = Args(outDir, "--log-propensity-column", "log_propensity", "--models", _f.ModelA, _f.ModelB, "--names", "a", "b", "--policy-samples", "12");
        var (code, err) = EvalFixture.Run(args);
        Assert.True(code == 0, err);
        EvalFixture.AssertPng(Path.Combine(outDir, "values.png"));
        var md = File.ReadAllText(Path.Combine(outDir, "evaluation.md"));
        Assert.Contains("| a |", md);
        Assert.Contains("Difference to the baseline `a`", md);

        // Independent reference: log P^f by the scorer, then IPW and SNIPW in naive double loops (SNIPW with a max shift).
        double[] Naive(string modelDir, out double snipw)
        {
            var (m, tok) = Checkpoint.Load(modelDir);
            var lp = SequenceScorer.Score(m, tok, _f.Rows.Texts);
            m.Dispose();
            var y = _f.Rows.Outcomes;
            var lr = _f.Rows.LogPropensities;
            double ipw = 0, num = 0, den = 0, max = double.NegativeInfinity;
            for (int i = 0; i < y.Length; i++) max = Math.Max(max, lp[i] - lr[i]);
            for (int i = 0; i < y.Length; i++)
            {
                ipw += Math.Exp(lp[i] - lr[i]) * y[i] / y.Length;
                double u = Math.Exp(lp[i] - lr[i] - max);
                num += u * y[i]; den += u;
            }
            snipw = num / den;
            return [ipw];
        }
        double ipwA = Naive(_f.ModelA, out var snA)[0], ipwB = Naive(_f.ModelB, out var snB)[0];

        using (var doc = EvalFixture.Json(Path.Combine(outDir, "evaluation.json")))
        {
            Assert.Equal("a", doc.RootElement.GetProperty("baseline").GetString());
            Assert.Equal(30, doc.RootElement.GetProperty("rows").GetInt32());
            foreach (var name in new[] { "a", "b" })
            {
                var m = EvalFixture.Model(doc, name);
                foreach (var est in new[] { "IPW", "SNIPW", "DM", "DR", "SNDR" })
                {
                    var e = EvalFixture.Estimate(m, est);
                    Assert.True(e.GetProperty("available").GetBoolean(), $"{name} {est}");
                    Assert.True(double.IsFinite(e.GetProperty("estimate").GetDouble()), $"{name} {est}");
                    Assert.True(e.GetProperty("ci_low").GetDouble() <= e.GetProperty("ci_high").GetDouble());
                }
            }
            var a = EvalFixture.Model(doc, "a");
            var b = EvalFixture.Model(doc, "b");
            Assert.Equal(System.Text.Json.JsonValueKind.Null, a.GetProperty("difference_to_baseline").ValueKind);
            Assert.Equal(ipwA, EvalFixture.Estimate(a, "IPW").GetProperty("estimate").GetDouble(), Math.Abs(ipwA) * 1e-9);
            Assert.Equal(snA, EvalFixture.Estimate(a, "SNIPW").GetProperty("estimate").GetDouble(), 1e-9);
            Assert.Equal(snB, EvalFixture.Estimate(b, "SNIPW").GetProperty("estimate").GetDouble(), 1e-9);
            Assert.Equal(snB - snA, EvalFixture.Estimate(b, "SNIPW", "difference_to_baseline").GetProperty("estimate").GetDouble(), 1e-9);
            Assert.Equal(ipwB - ipwA, EvalFixture.Estimate(b, "IPW", "difference_to_baseline").GetProperty("estimate").GetDouble(), Math.Max(Math.Abs(ipwA), Math.Abs(ipwB)) * 1e-9);
            // Untrained byte models put almost no mass on the world's texts: the warnings say so.
            var warnings = doc.RootElement.GetProperty("warnings").EnumerateArray().Select(w => w.GetString()!).ToList();
            Assert.Contains(warnings, w => w.Contains("effective samples", StringComparison.Ordinal));
            Assert.Contains(warnings, w => w.Contains("of the model's probability is on texts", StringComparison.Ordinal));
        }

        // A rerun reads scores and samples from the cache and reproduces every number.
        var first = File.ReadAllText(Path.Combine(outDir, "evaluation.json"));
        (code, err) = EvalFixture.Run(args);
        Assert.True(code == 0, err);
        var second = File.ReadAllText(Path.Combine(outDir, "evaluation.json"));
        using (var doc = EvalFixture.Json(Path.Combine(outDir, "evaluation.json")))
            foreach (var name in new[] { "a", "b" })
            {
                var c = EvalFixture.Model(doc, name).GetProperty("cached");
                Assert.True(c.GetProperty("scores").GetBoolean() && c.GetProperty("samples").GetBoolean(), name);
            }
        Assert.Equal(StripCached(first), StripCached(second));
    }

    static string StripCached(string json) => System.Text.RegularExpressions.Regex.Replace(json, "\"(scores|samples)\": (true|false)", "");

    [Fact]
    public void AModelAgainstItselfDiffersByZeroAndAsItsOwnLoggingModelWeighsEveryRowOne()
    {
        var outDir = _f.Path_("self");
        var (code, err) = EvalFixture.Run(Args(outDir, "--logging-model", _f.ModelA, "--models", _f.ModelA, _f.ModelA, "--names", "a", "a2",
            "--baseline", "a", "--policy-samples", "12"));
        Assert.True(code == 0, err);
        using var doc = EvalFixture.Json(Path.Combine(outDir, "evaluation.json"));
        Assert.Contains("logging model", doc.RootElement.GetProperty("logging_probabilities").GetString());
        var a = EvalFixture.Model(doc, "a");
        double meanY = _f.Rows.Outcomes.Average();
        // w ≡ 1: IPW and SNIPW are the plain mean outcome, the ESS is n, the support mass is 1.
        Assert.Equal(meanY, EvalFixture.Estimate(a, "IPW").GetProperty("estimate").GetDouble(), 1e-9);
        Assert.Equal(meanY, EvalFixture.Estimate(a, "SNIPW").GetProperty("estimate").GetDouble(), 1e-9);
        Assert.Equal(30, a.GetProperty("weights").GetProperty("ess").GetDouble(), 1e-9);
        Assert.Equal(1.0, a.GetProperty("support_mass").GetProperty("estimate").GetDouble(), 1e-12);
        var a2 = EvalFixture.Model(doc, "a2");
        foreach (var est in new[] { "IPW", "SNIPW", "DM", "DR", "SNDR" })
        {
            var d = EvalFixture.Estimate(a2, est, "difference_to_baseline");
            Assert.Equal(0.0, d.GetProperty("estimate").GetDouble(), 1e-12);
            Assert.True(d.GetProperty("ci_low").GetDouble() <= 0 && d.GetProperty("ci_high").GetDouble() >= 0, est);
            Assert.False(d.GetProperty("ci_excludes_zero").GetBoolean(), est);
        }
        // DM's difference still carries the sampling noise of both sample sets: its interval is not degenerate.
        Assert.True(EvalFixture.Estimate(a2, "DM", "difference_to_baseline").GetProperty("se").GetDouble() > 0);
    }

    [Fact]
    public void WithoutPolicySamplesDMAndDRAreUnavailableAndPoorOverlapCanBeRefused()
    {
        var outDir = _f.Path_("nosamples");
        var (code, err) = EvalFixture.Run(Args(outDir, "--log-propensity-column", "log_propensity", "--models", _f.ModelA, "--policy-samples", "0"));
        Assert.True(code == 0, err);
        using (var doc = EvalFixture.Json(Path.Combine(outDir, "evaluation.json")))
        {
            var m = doc.RootElement.GetProperty("models")[0];
            Assert.True(EvalFixture.Estimate(m, "SNIPW").GetProperty("available").GetBoolean());
            foreach (var est in new[] { "DM", "DR", "SNDR" })
            {
                var e = EvalFixture.Estimate(m, est);
                Assert.False(e.GetProperty("available").GetBoolean());
                Assert.Contains("policy samples", e.GetProperty("reason").GetString());
            }
        }
        var refused = _f.Path_("refused");
        (code, err) = EvalFixture.Run(Args(refused, "--log-propensity-column", "log_propensity", "--models", _f.ModelA, "--policy-samples", "0", "--refuse-poor-overlap"));
        Assert.Equal(1, code);
        Assert.Contains("effective samples", err);
        Assert.False(File.Exists(Path.Combine(refused, "evaluation.json")));
    }

    [Fact]
    public void BadInputExits2AndNamesTheProblem()
    {
        var o = _f.Path_("bad");
        var missing = _f.Path_("no-such-model");
        var (code, err) = EvalFixture.Run(Args(o, "--log-propensity-column", "log_propensity", "--models", _f.ModelA, missing));
        Assert.Equal(2, code);
        Assert.Contains(missing, err);

        (code, err) = EvalFixture.Run(Args(o, "--models", _f.ModelA)); // neither design probabilities nor a logging model
        Assert.Equal(2, code);
        Assert.Contains("--logging-model", err);

        (code, err) = EvalFixture.Run(Args(o, "--log-propensity-column", "log_propensity", "--models", _f.ModelA, "--baseline", "zzz"));
        Assert.Equal(2, code);
        Assert.Contains("zzz", err);

        (code, err) = EvalFixture.Run(Args(o, "--log-propensity-column", "log_propensity", "--models", _f.ModelA, _f.ModelB, "--names", "x"));
        Assert.Equal(2, code);
        Assert.Contains("names", err);

        var noGhat = _f.Path_("no-outcome-model");
        (code, err) = EvalFixture.Run(Args(o, "--log-propensity-column", "log_propensity", "--models", _f.ModelA, "--outcome-model", noGhat));
        Assert.Equal(2, code);
        Assert.Contains(noGhat, err);

        (code, err) = EvalFixture.Run(["evaluate", "--data", _f.Path_("missing.csv"), "--outcome-column", "outcome", "--higher-is-better", "--models", _f.ModelA, "--out", o]);
        Assert.Equal(2, code);
        Assert.Contains("missing.csv", err);
        Assert.False(Directory.Exists(o) && File.Exists(Path.Combine(o, "evaluation.json")));
    }
}
