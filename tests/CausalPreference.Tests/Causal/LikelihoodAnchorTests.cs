using CausalPreference.Causal;
using CausalPreference.Models;
using CausalPreference.Text;
using CausalPreference.Training;
using static TorchSharp.torch;

namespace CausalPreference.Tests.Causal;

public class LikelihoodAnchorTests
{
    [Fact]
    public void TheAnchorIsTheMeanNegativeLogLikelihoodPerToken()
    {
        // by hand: −(−10 − 20) / 6 = 5; d/dℓ_i = −1/6
        var lp = tensor(new[] { -10.0, -20.0 }).requires_grad_();
        var a = Objectives.LikelihoodAnchor(lp, 6);
        Assert.Equal(5.0, a.item<double>(), 12);
        a.backward();
        Assert.All(lp.grad!.data<double>().ToArray(), g => Assert.Equal(-1.0 / 6, g, 12));
        Assert.Throws<ArgumentException>(() => Objectives.LikelihoodAnchor(lp, 0));
    }

    [Fact]
    public void ANegativeOrNonFiniteWeightIsRefused()
    {
        var inputs = new ObjectiveInputs(tensor(new[] { -1.0 }), tensor(new[] { -1.0 }), tensor(new[] { 1.0 }));
        Assert.Throws<ArgumentException>(() => Objectives.Compute(ObjectiveKind.Cpo, inputs, new ObjectiveOptions(AnchorWeight: -1)));
        Assert.Throws<ArgumentException>(() => Objectives.Compute(ObjectiveKind.Cpo, inputs, new ObjectiveOptions(AnchorWeight: double.NaN)));
        using var w = new Workspace();
        var data = w.Text("d.csv", "text,y\na,1\nb,2\nc,3\nd,4\n");
        var r = CliRunner.Run("train", "--data", data, "--outcome-column", "y", "--higher-is-better", "--model", w.MicroCheckpoint(),
            "--objective", "cpo", "--anchor-weight", "-0.5", "--out", w.Path("out"));
        Assert.Equal(2, r.Exit);
        Assert.Contains("--anchor-weight must be a number ≥ 0", r.Err);
    }

    /// <summary>The same CPO run with and without a strong anchor: the anchored policy keeps a lower NLL on the data.</summary>
    [Fact]
    public void AStrongAnchorKeepsThePolicyCloserToTheDataThanNone()
    {
        var texts = Enumerable.Range(0, 16).Select(i => i % 4 == 0 ? "good news today" : i % 4 == 1 ? "bad news" : i % 4 == 2 ? "some news here" : "no news").ToArray();
        var y = texts.Select(t => t.StartsWith("good") ? 5.0 : t.StartsWith("bad") ? 1.0 : 3.0).ToArray();
        var tok = new ByteTokenizer();
        double Nll(double lambda)
        {
            manual_seed(11);
            var policy = ModelFactory.Create(ModelConfig.Micro);
            var reference = SequenceScorer.Score(policy, tok, texts);
            var data = new CausalData(texts, null, y, reference, null);
            using var ws = new Workspace();
            CausalTrainer.Train(policy, tok, ObjectiveKind.Cpo, data, null, new ObjectiveOptions(AnchorWeight: lambda),
                new TrainerOptions { Epochs = 3, BatchSize = 4, LearningRate = 1e-2, Seed = 2 }, ws.Path("run"), "anchor");
            return SftTrainer.MeanNll(policy, tok, texts);
        }
        double free = Nll(0), anchored = Nll(5);
        Assert.True(anchored < free - 0.1, $"mean NLL per token: no anchor {free:F3}, anchor 5 {anchored:F3}");
    }
}
