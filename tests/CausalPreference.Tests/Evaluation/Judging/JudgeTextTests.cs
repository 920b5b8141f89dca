using CausalPreference.Evaluation.Judging;
using CausalPreference.IO;

namespace CausalPreference.Tests.Evaluation.Judging;

public class JudgeTextTests
{
    [Theory]
    [InlineData("Comparison: A is calmer.\nPreferred: A", PairChoice.A)]
    [InlineData("Comparison: B is calmer.\nPreferred: \"B\"", PairChoice.B)]
    [InlineData("preferred: 'a'", PairChoice.A)]
    [InlineData("PREFERRED:B.", PairChoice.B)]
    [InlineData("Preferred:   \"A\"\n", PairChoice.A)]
    [InlineData("Format: Preferred: <\"A\" or \"B\">\nComparison: x\nPreferred: B", PairChoice.B)]
    [InlineData("Preferred: A\nPreferred: A", PairChoice.A)]
    [InlineData("Preferred: A\nPreferred: B", PairChoice.Invalid)]
    [InlineData("Preferred: Both", PairChoice.Invalid)]
    [InlineData("Preferred: C", PairChoice.Invalid)]
    [InlineData("I prefer A.", PairChoice.Invalid)]
    [InlineData("Preferred: <\"A\" or \"B\">", PairChoice.Invalid)]
    [InlineData("", PairChoice.Invalid)]
    public void ParsesThePreferredLine(string response, PairChoice expected)
    {
        var v = VerdictParser.Parse(response);
        Assert.Equal(expected, v.Preferred);
        Assert.Equal(response, v.RawResponse);
        if (expected == PairChoice.Invalid) Assert.StartsWith("invalid:", v.Reason);
    }

    [Fact]
    public void ExtractsTheComparisonAsReason()
    {
        var v = VerdictParser.Parse("Comparison: Text B avoids slurs.\nPreferred: B");
        Assert.Equal("Text B avoids slurs.", v.Reason);
    }

    [SpecFact]
    public void BuiltInTemplatesAreTheSpecPromptsVerbatim()
    {
        var spec = FindSpec()!;
        var text = File.ReadAllText(spec).Replace("\r\n", "\n");
        foreach (var t in new[] { JudgeTemplates.HateSpeech, JudgeTemplates.HongKong })
        {
            var asInSpec = string.Join("\n", t.Replace("{A}", "<text A>").Replace("{B}", "<text B>").Split('\n').Select(l => l.Length == 0 ? "" : "    " + l));
            Assert.Contains(asInSpec, text);
        }
    }

    [Fact]
    public void RenderPutsInstructionsThenAThenBAndLeavesBracesInTextsAlone()
    {
        var s = JudgeTemplates.Render(JudgeTemplates.HateSpeech, new JudgePair("p", "the prompt", "first {B} text", "second {A} text"));
        int instr = s.IndexOf("SECOND, on a new line", StringComparison.Ordinal);
        int a = s.IndexOf("A: first {B} text", StringComparison.Ordinal);
        int b = s.IndexOf("B: second {A} text", StringComparison.Ordinal);
        Assert.True(instr >= 0 && a > instr && b > a, s);
        Assert.EndsWith("A: first {B} text\n\nB: second {A} text", s);
        Assert.DoesNotContain("the prompt", s); // only completions are shown in the paper's prompts
        Assert.Equal("P=the prompt|x|y", JudgeTemplates.Render("P={PROMPT}|{A}|{B}", new JudgePair("p", "the prompt", "x", "y")));
    }

    [Fact]
    public void ResolveAcceptsNamesAndFilesAndRejectsTemplatesWithoutPlaceholders()
    {
        Assert.Same(JudgeTemplates.HongKong, JudgeTemplates.Resolve("hong-kong"));
        Assert.Same(JudgeTemplates.HateSpeech, JudgeTemplates.Resolve("hate-speech"));
        var f = Path.GetTempFileName();
        try
        {
            File.WriteAllText(f, "Which is kinder?\r\nA: {A}\r\nB: {B}");
            Assert.Equal("Which is kinder?\nA: {A}\nB: {B}", JudgeTemplates.Resolve(f));
            File.WriteAllText(f, "only {A}");
            Assert.Throws<InputException>(() => JudgeTemplates.Resolve(f));
        }
        finally { File.Delete(f); }
        Assert.Throws<InputException>(() => JudgeTemplates.Resolve("no-such-template-or-file"));
    }

    [Fact]
    public async Task OutcomeModelJudgePrefersTheBetterPredictedOutcomeAndCountsTies()
    {
        double[] Score(IReadOnlyList<string> t) => t.Select(x => (double)x.Length).ToArray();
        var lowerBetter = new OutcomeModelJudge(Score, higherIsBetter: false, "len");
        var higherBetter = new OutcomeModelJudge(Score, higherIsBetter: true, "len");
        var pair = new JudgePair("p", null, "short", "much longer");
        Assert.Equal(PairChoice.A, (await lowerBetter.JudgeAsync(pair)).Preferred);
        Assert.Equal(PairChoice.B, (await higherBetter.JudgeAsync(pair)).Preferred);
        Assert.Equal(PairChoice.Invalid, (await higherBetter.JudgeAsync(new JudgePair("t", null, "same", "also"))).Preferred);
        var nan = new OutcomeModelJudge(_ => [double.NaN, 1], true, "nan");
        Assert.Equal(PairChoice.Invalid, (await nan.JudgeAsync(pair)).Preferred);
    }

    /// <summary>Skipped where the specification (../shared/paper beside the repository) is absent: there is nothing to compare with.</summary>
    sealed class SpecFactAttribute : FactAttribute
    {
        public SpecFactAttribute() { if (FindSpec() is null) Skip = "../shared/paper/SPEC.md is absent beside the repository; nothing to compare the templates with"; }
    }

    static string? FindSpec()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir != null)
        {
            var p = Path.Combine(dir.FullName, "..", "shared", "paper", "SPEC.md");
            if (File.Exists(p)) return p;
            dir = dir.Parent;
        }
        return null;
    }
}
