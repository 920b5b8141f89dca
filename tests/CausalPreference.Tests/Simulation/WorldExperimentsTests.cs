using CausalPreference.Simulation;

namespace CausalPreference.Tests.Simulation;

public class WorldExperimentsTests
{
    [Fact]
    public void EachExperimentTestsDistinctGrammaticalTextsWithTheReadersMean()
    {
        var w = new World();
        var arms = w.GenerateExperiments(experiments: 30, arms: 4, readers: 200, seed: 5);
        Assert.Equal(120, arms.Count);
        foreach (var e in arms.GroupBy(a => a.Experiment))
        {
            Assert.Equal(4, e.Count());
            Assert.Equal(4, e.Select(a => a.Text).Distinct().Count());
            Assert.All(e, a => Assert.True(w.IsGrammatical(a.Text)));
            Assert.All(e, a => Assert.Equal(Math.Log(0.25), a.LogPropensity, 12));
        }
        // 200 readers: the arm's mean is within a few noise sd / √200 of the text's true mean
        double sd = w.Config.NoiseSd;
        Assert.All(arms, a => Assert.InRange(a.Outcome - w.LinearScore(a.Text), -5 * sd / Math.Sqrt(200), 5 * sd / Math.Sqrt(200)));
        // deterministic by seed
        Assert.Equal(arms, w.GenerateExperiments(30, 4, 200, 5));
    }
}
