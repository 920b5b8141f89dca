using System.Text;

namespace CausalPreference.Tests.Data;

/// <summary>Bad direct-outcome files, through the verbs that read them: each is refused with exit code 2, a message that
/// names the file, row and column and says what to do, and no partial output.</summary>
public sealed class DataInputTests : IDisposable
{
    readonly Workspace _ws = new();
    string OutDir => _ws.Path("out");
    string OutCsv => _ws.Path("scores.csv");
    string CacheDir => _ws.Path(".cache");

    public void Dispose() => _ws.Dispose();

    /// <summary>Four good rows (text, y, clicks, impressions, lp, w) with <paramref name="row2"/> replacing data row 2.</summary>
    string Csv(string name, string? row2 = null, string header = "text,y,clicks,impressions,lp,w")
    {
        var rows = new List<string> { header, "the cat sat,1,1,4,-1.5,1", row2 ?? "a dog ran,2,0,3,-2,1", "a bird flew,3,2,5,-0.5,2", "the fish swam,2,1,1,-3,1" };
        return _ws.Text(name, string.Join("\n", rows) + "\n");
    }

    CliResult Train(string data, params string[] extra) =>
        CliRunner.Run(["train", "--data", data, "--model", _ws.Path("no-model"), "--objective", "cpo", "--out", OutDir, .. extra]);

    CliResult TrainY(string data, params string[] extra) => Train(data, ["--outcome-column", "y", "--higher-is-better", .. extra]);

    CliResult Score(string data, params string[] extra) =>
        CliRunner.Run(["score", "--data", data, "--model", _ws.Path("no-model"), "--out", OutCsv, .. extra]);

    CliResult Sft(string data, params string[] extra) =>
        CliRunner.Run(["sft", "--data", data, "--base", "micro", "--out", OutDir, "--epochs", "1", .. extra]);

    void Refused(CliResult r, string? file, long? row, string? column, string advice) =>
        Refusal.Assert(r, _ws, file, row, column, advice, OutDir, OutCsv, CacheDir);

    [Fact]
    public void MisspelledOutcomeColumnSuggestsTheCloseName()
    {
        var f = Csv("d.csv");
        Refused(Train(f, "--outcome-column", "Y_", "--higher-is-better"), f, 0, "Y_", "Did you mean 'y'?");
    }

    [Fact]
    public void MisspelledTextColumnSuggestsTheCloseName()
    {
        var f = Csv("d.csv");
        Refused(Sft(f, "--text-column", "txet"), f, 0, "txet", "Did you mean 'text'?");
    }

    [Fact]
    public void MissingLogPropensityColumnListsTheColumns()
    {
        var f = Csv("d.csv");
        var r = TrainY(f, "--log-propensity-column", "log_propensity");
        Refused(r, f, 0, "log_propensity", "Available columns");
        Assert.Contains("'lp'", r.Err);
    }

    [Fact]
    public void MissingTextColumnInJsonLines()
    {
        var f = _ws.Text("d.jsonl", "{\"body\":\"a\",\"y\":1}\n{\"body\":\"b\",\"y\":2}\n");
        Refused(Score(f), f, 0, "text", "Available columns");
    }

    [Fact]
    public void NonNumericOutcome()
    {
        var f = Csv("d.csv", "a dog ran,good,0,3,-2,1");
        Refused(TrainY(f), f, 2, "y", "Write a plain number");
    }

    [Fact]
    public void OutcomeWithDecimalComma()
    {
        var f = _ws.Text("d.tsv", "text\ty\nthe cat\t1\na dog\t2,5\n");
        Refused(TrainY(f), f, 2, "y", "a dot for decimals");
    }

    [Fact]
    public void NaNOutcome()
    {
        var f = Csv("d.csv", "a dog ran,NaN,0,3,-2,1");
        Refused(TrainY(f), f, 2, "y", "Give a finite value or remove the row");
    }

    [Fact]
    public void InfiniteOutcome()
    {
        var f = Csv("d.csv", "a dog ran,-Infinity,0,3,-2,1");
        Refused(TrainY(f), f, 2, "y", "not a finite number");
    }

    [Fact]
    public void OverflowingOutcomeIsInfinite()
    {
        var f = Csv("d.csv", "a dog ran,1e999,0,3,-2,1");
        Refused(TrainY(f), f, 2, "y", "not a finite number");
    }

    [Fact]
    public void EmptyOutcome()
    {
        var f = Csv("d.csv", "a dog ran,,0,3,-2,1");
        Refused(TrainY(f), f, 2, "y", "fill it in or remove the row");
    }

    [Fact]
    public void EmptyText()
    {
        var f = Csv("d.csv", ",2,0,3,-2,1");
        Refused(Score(f), f, 2, "text", "Fill in the text or remove the row");
    }

    [Fact]
    public void WhitespaceOnlyText()
    {
        var f = Csv("d.csv", "\" \t \",2,0,3,-2,1");
        Refused(Sft(f), f, 2, "text", "Fill in the text or remove the row");
    }

    [Fact]
    public void EnormousText()
    {
        var f = Csv("d.csv", new string('x', 1 << 20) + ",2,0,3,-2,1");
        Refused(Sft(f), f, 2, "text", "Shorten");
    }

    [Fact]
    public void NonUtf8Text()
    {
        var head = Encoding.UTF8.GetBytes("text,y\nthe cat sat,1\na d");
        var tail = Encoding.UTF8.GetBytes("g ran,2\na bird,3\n");
        var f = _ws.Bytes("d.csv", [.. head, 0xFF, .. tail]);
        Refused(Score(f), f, 2, null, "Save the file as UTF-8");
    }

    [Fact]
    public void Utf16File()
    {
        var f = _ws.Bytes("d.csv", [.. Encoding.Unicode.GetPreamble(), .. Encoding.Unicode.GetBytes("text,y\na,1\nb,2\n")]);
        Refused(Score(f), f, null, null, "Save it as UTF-8");
    }

    [Fact]
    public void AllEqualOutcomes()
    {
        var f = _ws.Text("d.csv", "text,y\na,3\nb,3\nc,3\n");
        Refused(TrainY(f), f, null, "y", "Check that the right outcome column was named");
    }

    [Fact]
    public void SingleRow()
    {
        var f = _ws.Text("d.csv", "text,y\nonly one,3\n");
        Refused(TrainY(f), f, 1, "text", "Add rows");
    }

    [Fact]
    public void HeaderOnly()
    {
        var f = _ws.Text("d.csv", "text,y\n");
        Refused(Sft(f), f, null, null, "at least 2 are needed");
    }

    [Fact]
    public void ZeroWeightRow()
    {
        var f = Csv("d.csv", "a dog ran,2,0,3,-2,0");
        Refused(TrainY(f, "--weight-column", "w"), f, 2, "w", "give it a positive weight");
    }

    [Fact]
    public void NegativeWeightRow()
    {
        var f = Csv("d.csv", "a dog ran,2,0,3,-2,-1");
        Refused(TrainY(f, "--weight-column", "w"), f, 2, "w", "Weights must be positive");
    }

    [Fact]
    public void ClicksAboveImpressions()
    {
        var f = Csv("d.csv", "a dog ran,2,5,3,-2,1");
        Refused(Train(f, "--clicks-column", "clicks", "--impressions-column", "impressions", "--higher-is-better"), f, 2, "clicks",
            "Check that the clicks and impressions columns are not swapped");
    }

    [Theory]
    [InlineData("a dog ran,2,2.5,3,-2,1", "clicks", "clicks must be a whole number")]
    [InlineData("a dog ran,2,1,3.5,-2,1", "impressions", "impressions must be a whole number")]
    public void FractionalCounts(string row, string column, string advice)
    {
        var f = Csv("d.csv", row);
        Refused(Train(f, "--clicks-column", "clicks", "--impressions-column", "impressions", "--higher-is-better"), f, 2, column, advice);
    }

    [Fact]
    public void OneFoldIsRefusedBeforeAnyWork() => Refused(TrainY(Csv("d.csv"), "--folds", "1"), null, null, null, "--folds must be at least 2");

    [Fact]
    public void ZeroImpressions()
    {
        var f = Csv("d.csv", "a dog ran,2,0,0,-2,1");
        Refused(Train(f, "--clicks-column", "clicks", "--impressions-column", "impressions", "--higher-is-better"), f, 2, "impressions",
            "remove it or fix the count");
    }

    [Fact]
    public void PositiveLogPropensity()
    {
        var f = Csv("d.csv", "a dog ran,2,0,3,0.25,1");
        Refused(TrainY(f, "--log-propensity-column", "lp"), f, 2, "lp", "Give the natural log of the probability");
    }

    [Fact]
    public void BinaryOutcomeCodedOneTwo()
    {
        var f = _ws.Text("d.csv", "text,y\na,1\nb,2\nc,1\nd,2\n");
        Refused(TrainY(f, "--outcome-kind", "binary"), f, 2, "y", "Recode to 0/1");
    }

    [Fact]
    public void RowWithTooFewFields()
    {
        var f = Csv("d.csv", "a dog ran,2");
        Refused(TrainY(f), f, 2, null, "quote values that contain the delimiter");
    }

    [Fact]
    public void UnclosedQuote()
    {
        var f = Csv("d.csv", "\"a dog ran,2,0,3,-2,1");
        Refused(Score(f), f, null, null, "Close it with a double quote");
    }

    [Fact]
    public void BrokenJsonLine()
    {
        var f = _ws.Text("d.jsonl", "{\"text\":\"a\",\"y\":1}\n{\"text\":\"b\",\"y\":\n{\"text\":\"c\",\"y\":3}\n");
        var r = Score(f);
        Refused(r, f, 2, null, "Put exactly one JSON object on each line");
    }

    [Fact]
    public void NonexistentInput()
    {
        var f = _ws.Path("missing.csv");
        Refused(Score(f), f, null, null, "Check the path");
    }

    [Fact]
    public void UnknownExtension()
    {
        var f = _ws.Text("d.txt", "text,y\na,1\nb,2\n");
        Refused(Sft(f), f, null, null, "Use one of .csv");
    }

    [Fact]
    public void EmptyFile()
    {
        var f = _ws.Text("d.csv", "");
        Refused(Score(f), f, null, null, "Give a file with a header");
    }

    [Fact]
    public void PromptFileWithMisspelledColumnForGenerate()
    {
        var f = _ws.Text("prompts.csv", "promt\nonce\nupon\n");
        var r = CliRunner.Run("generate", "--model", _ws.Path("no-model"), "--prompts", f, "--out", OutCsv);
        Refused(r, f, 0, "prompt", "Did you mean 'promt'?");
    }

    [Fact]
    public void SimulateScoreOfAMissingColumn()
    {
        var f = _ws.Text("texts.csv", "sentence\na\nb\n");
        Refused(CliRunner.Run("simulate", "--score", f), f, 0, "text", "Available columns");
    }
}
