using System.Text;

namespace CausalPreference.Tests.Data;

/// <summary>
/// Table-driven bad inputs across the verbs (issue 14): each is refused with exit code 2 and a plain message that names
/// the file, row and column or the flag, before any work is done (no model is trained or loaded, nothing is written).
/// Placeholders in the arguments: {data} a good table (text,y), {bin} a 0/1-outcome table, {out} an output folder,
/// {csv} an output CSV, {file} an existing regular file, {folder} an existing folder, {a}/{b} judge tables,
/// {nomodel} a folder that does not exist, {ro} a read-only folder.
/// </summary>
public sealed class BadInputTableTests : IDisposable
{
    readonly Workspace _ws = new();

    public void Dispose() => _ws.Dispose();

    public static TheoryData<string, string[], string> Cases() => new()
    {
        // evaluate
        { "evaluate --folds 1", ["evaluate", "--data", "{data}", "--outcome-column", "y", "--higher-is-better", "--models", "{nomodel}", "--out", "{out}", "--folds", "1"], "--folds must be at least 2" },
        { "evaluate --ci", ["evaluate", "--data", "{data}", "--outcome-column", "y", "--higher-is-better", "--models", "{nomodel}", "--out", "{out}", "--ci", "jackknife"], "use influence or bootstrap" },
        { "evaluate --max-weight 0", ["evaluate", "--data", "{data}", "--outcome-column", "y", "--higher-is-better", "--models", "{nomodel}", "--out", "{out}", "--max-weight", "0"], "--max-weight must be positive" },
        { "evaluate --min-ess-fraction 2", ["evaluate", "--data", "{data}", "--outcome-column", "y", "--higher-is-better", "--models", "{nomodel}", "--out", "{out}", "--min-ess-fraction", "2"], "--min-ess-fraction must lie in [0, 1]" },
        { "evaluate --bootstrap-resamples 1", ["evaluate", "--data", "{data}", "--outcome-column", "y", "--higher-is-better", "--models", "{nomodel}", "--out", "{out}", "--ci", "bootstrap", "--bootstrap-resamples", "1"], "--bootstrap-resamples must be at least 2" },
        { "evaluate missing model", ["evaluate", "--data", "{data}", "--outcome-column", "y", "--higher-is-better", "--models", "{nomodel}", "--out", "{out}"], "model folder not found" },
        { "evaluate --out a file", ["evaluate", "--data", "{data}", "--outcome-column", "y", "--higher-is-better", "--models", "{nomodel}", "--out", "{file}"], "--out must be a folder" },
        { "evaluate --cache a file", ["evaluate", "--data", "{data}", "--outcome-column", "y", "--higher-is-better", "--models", "{nomodel}", "--out", "{out}", "--cache", "{file}"], "--cache must be a folder" },
        // outcome-model
        { "outcome-model --kind", ["outcome-model", "--data", "{data}", "--outcome-column", "y", "--higher-is-better", "--out", "{out}", "--kind", "forest"], "use lexical or lm-head" },
        { "outcome-model lm-head without --model", ["outcome-model", "--data", "{data}", "--outcome-column", "y", "--higher-is-better", "--out", "{out}", "--kind", "lm-head"], "--kind lm-head needs --model" },
        { "outcome-model --negate-outcome on 0/1", ["outcome-model", "--data", "{bin}", "--outcome-column", "y", "--higher-is-better", "--out", "{out}", "--negate-outcome"], "--negate-outcome needs a continuous outcome" },
        { "outcome-model --out a file", ["outcome-model", "--data", "{data}", "--outcome-column", "y", "--higher-is-better", "--out", "{file}"], "--out must be a folder" },
        { "outcome-model --outcome-kind binary on 1..3", ["outcome-model", "--data", "{data}", "--outcome-column", "y", "--higher-is-better", "--out", "{out}", "--outcome-kind", "binary"], "Recode to 0/1" },
        // judge
        { "judge --concurrency 0", ["judge", "--a", "{a}", "--b", "{b}", "--out", "{out}", "--concurrency", "0"], "--concurrency must be at least 1" },
        { "judge --judge unknown", ["judge", "--a", "{a}", "--b", "{b}", "--out", "{out}", "--judge", "oracle"], "Use --judge openai or --judge outcome-model" },
        { "judge outcome-model without folder", ["judge", "--a", "{a}", "--b", "{b}", "--out", "{out}", "--judge", "outcome-model"], "needs --outcome-model" },
        { "judge outcome-model without direction", ["judge", "--a", "{a}", "--b", "{b}", "--out", "{out}", "--judge", "outcome-model", "--outcome-model", "{nomodel}"], "exactly one" },
        { "judge openai without template", ["judge", "--a", "{a}", "--b", "{b}", "--out", "{out}"], "--template" },
        { "judge --out a file", ["judge", "--a", "{a}", "--b", "{b}", "--out", "{file}"], "--out must be a folder" },
        { "judge missing file", ["judge", "--a", "{nomodel}.csv", "--b", "{b}", "--out", "{out}", "--template", "hate-speech"], "the file does not exist" },
        { "judge prompt column in neither", ["judge", "--a", "{a}", "--b", "{b}", "--out", "{out}", "--prompt-column", "question", "--template", "hate-speech"], "Fix --prompt-column" },
        // refute, report, pipeline, demo, sft, train: the output location
        { "refute --check", ["refute", "--data", "{data}", "--outcome-column", "y", "--higher-is-better", "--model", "{nomodel}", "--objective", "cpo", "--out", "{out}", "--check", "all"], "use placebo, stability or both" },
        { "refute --out a file", ["refute", "--data", "{data}", "--outcome-column", "y", "--higher-is-better", "--model", "{nomodel}", "--objective", "cpo", "--out", "{file}"], "--out must be a folder" },
        { "report --out a file", ["report", "{folder}", "--out", "{file}"], "--out must be a folder" },
        { "demo --out a file", ["demo", "--out", "{file}"], "--out must be a folder" },
        { "sft --out a file", ["sft", "--data", "{data}", "--base", "micro", "--out", "{file}"], "--out must be a folder" },
        { "train --out a file", ["train", "--data", "{data}", "--outcome-column", "y", "--higher-is-better", "--model", "{nomodel}", "--objective", "cpo", "--out", "{file}"], "--out must be a folder" },
        { "sft --validation-fraction 0", ["sft", "--data", "{data}", "--base", "micro", "--out", "{out}", "--validation-fraction", "0"], "strictly between 0 and 1" },
        { "sft --validation-fraction 1", ["sft", "--data", "{data}", "--base", "micro", "--out", "{out}", "--validation-fraction", "1"], "strictly between 0 and 1" },
        { "train --lora-rank 0", ["train", "--data", "{data}", "--outcome-column", "y", "--higher-is-better", "--model", "{nomodel}", "--objective", "cpo", "--out", "{out}", "--lora", "--lora-rank", "0"], "--lora-rank must be at least 1" },
        { "train --lora-dropout 1", ["train", "--data", "{data}", "--outcome-column", "y", "--higher-is-better", "--model", "{nomodel}", "--objective", "cpo", "--out", "{out}", "--lora", "--lora-dropout", "1"], "--lora-dropout must be in [0, 1)" },
        { "train --max-grad-norm NaN", ["train", "--data", "{data}", "--outcome-column", "y", "--higher-is-better", "--model", "{nomodel}", "--objective", "cpo", "--out", "{out}", "--max-grad-norm", "NaN"], "--max-grad-norm must be a finite number" },
        // generate, score, simulate: the output location and options
        { "generate --out a folder", ["generate", "--model", "{nomodel}", "--n", "2", "--out", "{folder}"], "names an existing folder" },
        { "generate --top-k -1", ["generate", "--model", "{nomodel}", "--n", "2", "--out", "{csv}", "--top-k", "-1"], "--top-k must be 0 (off) or positive" },
        { "generate --prompts missing column", ["generate", "--model", "{nomodel}", "--prompts", "{data}", "--prompt-column", "promt", "--out", "{csv}"], "Available columns" },
        { "score --device tpu", ["score", "--data", "{data}", "--model", "{nomodel}", "--out", "{csv}", "--device", "tpu"], "use cpu or cuda" },
        { "score missing model", ["score", "--data", "{data}", "--model", "{nomodel}", "--out", "{csv}"], "{nomodel}" },
        { "score --out under a file", ["score", "--data", "{data}", "--model", "{nomodel}", "--out", "{file}/x.csv"], "Choose a writable location" },
        { "simulate --score to parquet", ["simulate", "--score", "{data}", "--out", "{out}/s.parquet"], "simulate writes CSV" },
        { "simulate --score missing column", ["simulate", "--score", "{data}", "--column", "txt"], "Did you mean 'text'?" },
        { "simulate --out a folder", ["simulate", "--n", "10", "--out", "{folder}"], "names an existing folder" },
        // pipeline
        { "pipeline --study", ["pipeline", "--config", "{config}", "--study", "weird"], "use standard or confounding" },
        { "pipeline --out a file", ["pipeline", "--config", "{config}", "--out", "{file}"], "--out must be a folder" },
        { "pipeline missing config", ["pipeline", "--config", "{nomodel}.json"], "{nomodel}.json" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void IsRefusedBeforeAnyWork(string name, string[] args, string expected)
    {
        _ = name;
        var data = _ws.Text("d.csv", "text,y\nthe cat sat,1\na dog ran,2\na bird flew,3\nthe fish swam,2\nan owl hooted,1\n");
        var map = new Dictionary<string, string>
        {
            ["{data}"] = data,
            ["{bin}"] = _ws.Text("bin.csv", "text,y\nthe cat sat,1\na dog ran,0\na bird flew,1\nthe fish swam,0\n"),
            ["{a}"] = _ws.Text("a.csv", "text\nthe cat sat\na dog ran\n"),
            ["{b}"] = _ws.Text("b.csv", "text\na bird flew\nthe fish swam\n"),
            ["{file}"] = _ws.Text("existing-file", "not a folder"),
            ["{folder}"] = Directory.CreateDirectory(_ws.Path("existing-folder")).FullName,
            ["{config}"] = _ws.Text("p.json", """{ "data": { "source": "world", "world_rows": 40 }, "model": { "base": "micro" } }"""),
            ["{nomodel}"] = _ws.Path("no-such-thing"),
            ["{out}"] = _ws.Path("out"),
            ["{csv}"] = _ws.Path("out.csv"),
        };
        string Sub(string s) { foreach (var (k, v) in map) s = s.Replace(k, v); return s; }
        var r = CliRunner.Run(args.Select(Sub).ToArray());
        Refusal.Assert(r, _ws, null, null, null, Sub(expected), _ws.Path("out"), _ws.Path("out.csv"));
        Assert.Equal("not a folder", File.ReadAllText(map["{file}"]));
        Assert.Empty(Directory.GetFileSystemEntries(map["{folder}"]));
    }

    // ── judge reads its tables through the project's one reader and validator ─────────────────────────────────────

    CliResult Judge(string a, string b, params string[] extra) =>
        CliRunner.Run(["judge", "--a", a, "--b", b, "--out", _ws.Path("out"), "--judge", "outcome-model", "--outcome-model", _ws.Path("no-model"), "--higher-is-better", .. extra]);

    string B() => _ws.Text("b.csv", "text\na bird flew\nthe fish swam\n");

    [Fact]
    public void JudgeRefusesAnEmptyMethodText()
    {
        var a = _ws.Text("a.csv", "text\nthe cat sat\n\"\"\n");
        Refusal.Assert(Judge(a, B()), _ws, a, 2, "text", "the text is empty", _ws.Path("out"));
    }

    [Fact]
    public void JudgeRefusesAWhitespaceBaselineText()
    {
        var b = _ws.Text("b2.csv", "text\n\"   \"\nthe fish swam\n");
        Refusal.Assert(Judge(_ws.Text("a.csv", "text\nthe cat sat\na dog ran\n"), b), _ws, b, 1, "text", "Fill in the text", _ws.Path("out"));
    }

    [Fact]
    public void JudgeRefusesInvalidUtf8()
    {
        var a = _ws.Bytes("a.csv", [.. Encoding.ASCII.GetBytes("text\nthe cat sat\na d"), 0xC3, 0x28, .. Encoding.ASCII.GetBytes("g ran\n")]);
        Refusal.Assert(Judge(a, B()), _ws, a, null, null, "UTF-8", _ws.Path("out"));
    }

    [Fact]
    public void JudgeRefusesADuplicatedColumn()
    {
        var a = _ws.Text("a.csv", "text,text\nthe cat sat,x\na dog ran,y\n");
        Refusal.Assert(Judge(a, B()), _ws, a, 0, "text", "appears more than once", _ws.Path("out"));
    }

    [Fact]
    public void JudgeSuggestsTheTextColumn()
    {
        var a = _ws.Text("a.csv", "txet\nthe cat sat\na dog ran\n");
        Refusal.Assert(Judge(a, B()), _ws, a, 0, "text", "Did you mean 'txet'?", _ws.Path("out"));
    }

    [Fact]
    public void JudgeRefusesFilesOfDifferentLengths()
    {
        var a = _ws.Text("a.csv", "text\nthe cat sat\na dog ran\nan owl hooted\n");
        Refusal.Assert(Judge(a, B()), _ws, a, null, null, "same number of rows", _ws.Path("out"));
    }

    [Fact]
    public void JudgeRefusesAHeaderWithoutRows()
    {
        var a = _ws.Text("a.csv", "text\n");
        Refusal.Assert(Judge(a, B()), _ws, a, null, null, "at least 1 is needed", _ws.Path("out"));
    }

    [Fact]
    public void JudgeRefusesDifferentPrompts()
    {
        var a = _ws.Text("a.csv", "prompt,text\nq1,the cat sat\nq2,a dog ran\n");
        var b = _ws.Text("b2.csv", "prompt,text\nq1,a bird flew\nq3,the fish swam\n");
        Refusal.Assert(Judge(a, b, "--prompt-column", "prompt"), _ws, b, 2, "prompt", "sort both files the same way", _ws.Path("out"));
    }

    [Fact]
    public void JudgeRefusesABrokenJsonLine()
    {
        var a = _ws.Text("a.jsonl", "{\"text\": \"the cat sat\"}\n{\"text\": \"a dog\n");
        Refusal.Assert(Judge(a, B()), _ws, a, null, null, "JSON", _ws.Path("out"));
    }

    [Fact]
    public void JudgeReadsJsonLinesAsJsonLines()
    {
        var data = _ws.Text("d.csv", "text,y\nthe cat sat,1\na dog ran,2\na bird flew,3\nthe fish swam,2\nan owl hooted,1\nthe cat ran,3\n");
        var fit = CliRunner.Run("outcome-model", "--data", data, "--outcome-column", "y", "--higher-is-better", "--folds", "2", "--out", _ws.Path("g"));
        Assert.True(fit.Exit == 0, fit.ToString());
        var a = _ws.Text("a.jsonl", "{\"text\": \"the cat sat\"}\n{\"text\": \"a dog ran\"}\n");
        var r = CliRunner.Run("judge", "--a", a, "--b", B(), "--out", _ws.Path("out"), "--judge", "outcome-model", "--outcome-model", _ws.Path("g"), "--higher-is-better");
        Assert.True(r.Exit == 0, r.ToString());
        var judged = File.ReadAllText(Path.Combine(_ws.Path("out"), "judgments.jsonl"));
        Assert.Contains("the cat sat", judged);
        Assert.DoesNotContain("{\\\"text\\\"", judged); // the JSON line was parsed, not read as one CSV field
    }

    // ── wording ───────────────────────────────────────────────────────────────────────────────────────────────────

    [Theory]
    [InlineData("inf", "which is infinite")]
    [InlineData("+Infinity", "which is infinite")]
    [InlineData("-inf", "negatively infinite")]
    [InlineData("-Infinity", "negatively infinite")]
    [InlineData("nan", "NaN (an undefined value)")]
    [InlineData("1e999", "overflows to +infinity")]
    [InlineData("-1e999", "overflows to -infinity")]
    public void NonFiniteOutcomesAreNamedForWhatTheyAre(string value, string expected)
    {
        var f = _ws.Text("d.csv", $"text,y\nthe cat sat,1\na dog ran,{value}\na bird flew,3\n");
        var r = CliRunner.Run("outcome-model", "--data", f, "--outcome-column", "y", "--higher-is-better", "--out", _ws.Path("out"));
        Refusal.Assert(r, _ws, f, 2, "y", expected, _ws.Path("out"));
        Assert.DoesNotContain("is not a number", r.Err);
    }

    [Fact]
    public void AMistypedOptionShowsTheSuggestionWithoutTheFullHelp()
    {
        var r = CliRunner.Run("score", "--data", "x.csv", "--model", "m", "--text_column", "t");
        Assert.Equal(2, r.Exit);
        Assert.Contains("--text-column", r.Err);
        Assert.Contains("Run 'causalpo score --help'", r.Err);
        Assert.DoesNotContain("Options:", r.Err); // the help would push the suggestion off the screen
        Assert.Equal("", r.Out);
    }

    [Fact]
    public void OutcomeKindHelpIsLowercase()
    {
        var r = CliRunner.Run("train", "--help");
        Assert.Contains("<auto|continuous|binary|binomial>", r.Out);
        Assert.DoesNotContain("Auto|Binary", r.Out);
    }
}
