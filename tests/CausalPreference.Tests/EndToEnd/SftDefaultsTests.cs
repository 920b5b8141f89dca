using CausalPreference.Cli.Commands;

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

public class SftTokenizerTests
{
    const string Texts = "text\nthe cat sat\nthe dog sat\na cat ran\nthe dog ran\nthe cat sat on the mat\na dog sat on a mat\n";

    [Fact]
    public void FromScratchTheTokenizerIsLearnedAndSaved()
    {
        using var w = new Workspace();
        var data = w.Text("d.csv", Texts);
        var r = CliRunner.Run("sft", "--data", data, "--base", "micro", "--out", w.Path("ft"), "--epochs", "1", "--vocab-size", "300");
        Assert.Equal(0, r.Exit);
        Assert.Contains("byte-level BPE learned from the ", r.Err);
        Assert.True(File.Exists(w.Path("ft/tokenizer.json")));
        var (model, tok) = CausalPreference.Models.Checkpoint.Load(w.Path("ft"));
        Assert.Equal("hf", tok.Kind);
        Assert.Equal(tok.VocabSize, model.Config.VocabSize);
        Assert.True(tok.VocabSize is > 257 and <= 300);
    }

    [Fact]
    public void BytesKeepTheByteTokenizer()
    {
        using var w = new Workspace();
        var data = w.Text("d.csv", Texts);
        Assert.Equal(0, CliRunner.Run("sft", "--data", data, "--base", "micro", "--out", w.Path("ft"), "--epochs", "1", "--tokenizer", "bytes").Exit);
        // the Hugging Face form of the byte tokenizer is written for other libraries; the tool itself keeps using bytes
        Assert.True(File.Exists(w.Path("ft/tokenizer.json")));
        Assert.True(File.Exists(w.Path("ft/README.md")), "sft writes a model card");
        Assert.Equal("byte", CausalPreference.Models.Checkpoint.Load(w.Path("ft")).tok.Kind);
    }

    [Fact]
    public void TokenizerOptionsOnAPretrainedBaseAreRefused()
    {
        using var w = new Workspace();
        var data = w.Text("d.csv", Texts);
        var r = CliRunner.Run("sft", "--data", data, "--base", w.MicroCheckpoint(), "--out", w.Path("ft"), "--epochs", "1", "--vocab-size", "300");
        Assert.Equal(2, r.Exit);
        Assert.Contains("a pretrained base keeps its own tokenizer", r.Err);
        r = CliRunner.Run("sft", "--data", data, "--base", "micro", "--out", w.Path("ft2"), "--epochs", "1", "--tokenizer", "wordpiece");
        Assert.Equal(2, r.Exit);
        Assert.Contains("--tokenizer must be \"learned\"", r.Err);
    }
}
