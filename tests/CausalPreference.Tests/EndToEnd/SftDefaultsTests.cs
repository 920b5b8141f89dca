using CausalPreference.Cli.Commands;
using CausalPreference.Tests.Reliability;

namespace CausalPreference.Tests.EndToEnd;

public class SftDefaultsTests
{
    [Theory]
    // 1,200 rows at batch 32 = 38 steps per epoch (37.5 rounded up); 800 / 38 = 21.05 -> 22 epochs (836 steps)
    [InlineData(1200, 32, 22)]
    // 100,000 rows = 3,125 steps per epoch: the minimum of 3 epochs wins
    [InlineData(100_000, 32, 3)]
    // 10 rows = 1 step per epoch -> 800 epochs
    [InlineData(10, 32, 800)]
    public void FromScratchTheBudgetIsAbout800Steps(int rows, int batch, int epochs) =>
        Assert.Equal(epochs, SftCommand.ScratchEpochs(rows, batch));

    [Fact]
    public void AnExplicitZeroEpochsIsRefused()
    {
        using var w = new Workspace();
        var data = w.Text("d.csv", "text\nhello\nworld\nagain\n");
        var r = CliRunner.Run("sft", "--data", data, "--base", "micro", "--out", w.Path("ft"), "--epochs", "0");
        Assert.Equal(2, r.Exit);
        Assert.Contains("--epochs must be at least 1", r.Err);
    }
}
