namespace CausalPreference.Tests.Cli;

/// <summary>Conflicting, missing or out-of-range options: exit code 2 and a message saying which option to fix.</summary>
public sealed class OptionInputTests : IDisposable
{
    readonly Workspace _ws = new();
    readonly string _data;
    string OutCsv => _ws.Path("result.csv");
    string OutDir => _ws.Path("out");

    public OptionInputTests() => _data = _ws.Text("d.csv", "text,y\nthe cat sat,1\na dog ran,2\na bird flew,3\nthe fish swam,2\n");

    public void Dispose() => _ws.Dispose();

    void Refused(CliResult r, string advice) => Refusal.Assert(r, _ws, null, null, null, advice, OutCsv, OutDir, _ws.Path(".cache"));

    CliResult Train(params string[] extra) =>
        CliRunner.Run(["train", "--data", _data, "--outcome-column", "y", "--model", _ws.Path("m"), "--objective", "cpo", "--out", OutDir, .. extra]);

    CliResult Generate(params string[] extra) => CliRunner.Run(["generate", "--model", _ws.Path("m"), "--out", OutCsv, .. extra]);

    [Fact]
    public void BothDirections() => Refused(Train("--higher-is-better", "--lower-is-better"), "give one");

    [Fact]
    public void NoDirection() => Refused(Train(), "add --higher-is-better");

    [Fact]
    public void UnknownObjective() =>
        Refused(CliRunner.Run("train", "--data", _data, "--outcome-column", "y", "--higher-is-better", "--model", _ws.Path("m"), "--objective", "ppo", "--out", OutDir),
            "use cpo, dr-cpo or oo-rlhf");

    [Fact]
    public void UnknownNormalization() => Refused(Train("--higher-is-better", "--normalization", "softmax"), "use self or ht");

    [Fact]
    public void ZeroEpochs() => Refused(Train("--higher-is-better", "--epochs", "0"), "--epochs must be at least 1");

    [Fact]
    public void ZeroBatchSizeForSft() =>
        Refused(CliRunner.Run("sft", "--data", _data, "--base", "micro", "--out", OutDir, "--batch-size", "0", "--epochs", "1"), "at least 1");

    [Fact]
    public void ClicksWithoutImpressions() =>
        Refused(CliRunner.Run("train", "--data", _data, "--clicks-column", "y", "--higher-is-better", "--model", _ws.Path("m"), "--objective", "cpo", "--out", OutDir),
            "Give both a clicks column and an impressions column");

    [Fact]
    public void ZeroLearningRateForSft() =>
        Refused(CliRunner.Run("sft", "--data", _data, "--base", "micro", "--out", OutDir, "--lr", "0", "--epochs", "1"), "--lr must be a positive number");

    [Fact]
    public void TopPAboveOne() => Refused(Generate("--n", "2", "--top-p", "2"), "--top-p must be in (0, 1]");

    [Fact]
    public void ZeroTemperature() => Refused(Generate("--n", "2", "--temperature", "0"), "use --greedy");

    [Theory]
    [InlineData("0")]
    [InlineData("-1")]
    public void NonPositiveMaxNewTokens(string v) => Refused(Generate("--n", "2", "--max-new-tokens", v), "--max-new-tokens must be at least 1");

    [Theory]
    [InlineData("0")]
    [InlineData("-1")]
    public void NonPositiveScoreBatchSize(string v) =>
        Refused(CliRunner.Run("score", "--data", _data, "--model", _ws.Path("m"), "--batch-size", v, "--out", OutCsv), "--batch-size must be at least 1");

    [Fact]
    public void NegativeMaxGradNorm() => Refused(Train("--higher-is-better", "--max-grad-norm", "-1"), "--max-grad-norm must be a finite number ≥ 0");

    [Theory]
    [InlineData("0")]
    [InlineData("1")]
    public void EssFloorOutsideTheUnitInterval(string v) => Refused(Train("--higher-is-better", "--ess-floor", v), "--ess-floor");

    [Fact]
    public void SimulateToAParquetNameIsRefused() =>
        Refused(CliRunner.Run("simulate", "--n", "10", "--out", _ws.Path("x.parquet")), "simulate writes CSV");

    [Fact]
    public void SimulateTooManyRowsIsRefused() =>
        Refused(CliRunner.Run("simulate", "--n", "2147483647", "--out", _ws.Path("x.csv")), "--n must be at most");

    [Fact]
    public void SimulateScoreWritesEachTextsScoreToOut()
    {
        var texts = _ws.Text("t.csv", "text\ntiny robot rescues lost kitten for everyone\ntiny robot rescues lost kitten\n");
        var r = CliRunner.Run("simulate", "--score", texts, "--out", OutCsv);
        Assert.True(r.Exit == 0, r.ToString());
        var t = CausalPreference.Data.TableReader.Read(OutCsv);
        Assert.Equal(2, t.RowCount);
        Assert.Equal(6.8, double.Parse(t.Get(0, "true_mean")!, System.Globalization.CultureInfo.InvariantCulture), 9);
        Assert.Equal("0", t.Get(1, "grammatical"));
        Assert.Equal(1.0, double.Parse(t.Get(1, "true_mean")!, System.Globalization.CultureInfo.InvariantCulture)); // the realistic reader's floor
        Assert.Contains("50 % grammatical", r.Out);
    }

    [Fact]
    public void NoCountAndNoPrompts() => Refused(Generate("--n", "0"), "--n N for N unconditional samples");

    [Fact]
    public void NegativeCount() => Refused(Generate("--n", "-3"), "--n must be positive");

    [Fact]
    public void UnknownDevice() =>
        Refused(CliRunner.Run("sft", "--data", _data, "--base", "micro", "--out", OutDir, "--device", "tpu"), "use cpu or cuda");

    [Fact]
    public void SimulateWithoutOutOrScore() => Refused(CliRunner.Run("simulate", "--n", "10"), "give --out FILE");

    [Fact]
    public void SimulateTooFewRows() => Refused(CliRunner.Run("simulate", "--n", "1", "--out", OutCsv), "--n must be at least 2");

    [Fact]
    public void NotANumber()
    {
        var r = Generate("--n", "lots");
        Assert.True(r.Exit == 2, r.ToString());
        Assert.Contains("lots", r.Err);
        Assert.False(File.Exists(OutCsv));
    }

    [Fact]
    public void MissingRequiredOption()
    {
        var r = CliRunner.Run("score", "--data", _data, "--out", OutCsv);
        Assert.True(r.Exit == 2, r.ToString());
        Assert.Contains("--model", r.Err);
        Assert.False(File.Exists(OutCsv));
    }
}
