using CausalPreference.Tests.Evaluation.Judging;
using System.CommandLine;
using System.Text.Json;
using CausalPreference.Cli;
using CausalPreference.Cli.Commands;
using CausalPreference.Tests.Evaluation;

namespace CausalPreference.Tests.Cli;

public class EvaluationCliTests
{
    static int Run(params string[] args)
    {
        var root = new RootCommand("test");
        root.Subcommands.Add(JudgeCommand.Build());
        root.Subcommands.Add(AgreementCommand.Build());
        return CausalPreference.Cli.Cli.Invoke(root, args);
    }

    [Fact]
    public void JudgeWritesResultsAndResumesFromTheCache()
    {
        var dir = Directory.CreateTempSubdirectory("cp-cli-judge-");
        try
        {
            string a = Path.Combine(dir.FullName, "a.csv"), b = Path.Combine(dir.FullName, "b.csv"), outDir = Path.Combine(dir.FullName, "out");
            File.WriteAllLines(a, ["prompt,text", "p0,\"good, kind\"", "p1,good", "p2,bad", "p3,good"]);
            File.WriteAllLines(b, ["text,prompt", "meh,p0", "bad,p1", "good,p2", "meh,p3"]);
            using var server = new FakeChatServer(r =>
            {
                var c = r.Content;
                int ia = c.LastIndexOf("\nA: ", StringComparison.Ordinal), ib = c.LastIndexOf("\nB: ", StringComparison.Ordinal);
                bool aGood = c.Substring(ia, ib - ia).Contains("good");
                return FakeResponse.Completion(aGood ? "Comparison: A.\nPreferred: A" : "Comparison: B.\nPreferred: B");
            });
            string[] args = ["judge", "--a", a, "--b", b, "--prompt-column", "prompt", "--judge", "openai", "--url", server.BaseUrl,
                "--model", "m", "--template", "hate-speech", "--max-attempts", "2", "--out", outDir];
            Assert.Equal(0, Run(args));
            Assert.Equal(4, server.RequestCount);
            using (var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(outDir, "winrate.json"))))
            {
                var w = doc.RootElement.GetProperty("win_rate");
                Assert.Equal(3, w.GetProperty("wins").GetInt32());
                Assert.Equal(4, w.GetProperty("valid").GetInt32());
                Assert.Equal(0.75, w.GetProperty("rate").GetDouble(), 12);
                Assert.Equal(2, doc.RootElement.GetProperty("method_as_a").GetInt32());
            }
            Assert.Equal(4, File.ReadAllLines(Path.Combine(outDir, "judgments.jsonl")).Length);
            Assert.True(File.Exists(Path.Combine(outDir, "winrate.png")));

            Assert.Equal(0, Run(args));
            Assert.Equal(4, server.RequestCount); // resumed entirely from judge-cache.jsonl
        }
        finally { dir.Delete(true); }
    }

    [Fact]
    public void JudgeRejectsFilesOfDifferentLengthsAndMissingOptions()
    {
        var dir = Directory.CreateTempSubdirectory("cp-cli-bad-");
        try
        {
            string a = Path.Combine(dir.FullName, "a.csv"), b = Path.Combine(dir.FullName, "b.csv");
            File.WriteAllLines(a, ["text", "x", "y"]);
            File.WriteAllLines(b, ["text", "x"]);
            var o = Path.Combine(dir.FullName, "o");
            Assert.Equal(2, Run("judge", "--a", a, "--b", b, "--url", "http://127.0.0.1:9/v1", "--model", "m", "--template", "hong-kong", "--out", o));
            File.WriteAllLines(b, ["text", "x", "z"]);
            Assert.Equal(2, Run("judge", "--a", a, "--b", b, "--url", "http://127.0.0.1:9/v1", "--model", "m", "--out", o)); // no --template
            Assert.Equal(2, Run("judge", "--a", a, "--b", b, "--judge", "outcome-model", "--out", o));
            Assert.Equal(2, Run("judge", "--a", a, "--b", b, "--text-column", "nope", "--out", o));
        }
        finally { dir.Delete(true); }
    }

    [Fact]
    public void AgreementRunsOnARatingsFile()
    {
        var dir = Directory.CreateTempSubdirectory("cp-cli-agree-");
        try
        {
            var f = Path.Combine(dir.FullName, "r.csv");
            File.WriteAllLines(f, ["item,rater,label", "1,h1,A", "1,h2,A", "2,h1,B", "2,h2,A", "3,h1,B", "3,h2,B"]);
            Assert.Equal(0, Run("agreement", "--ratings", f));
            Assert.Equal(2, Run("agreement", "--ratings", Path.Combine(dir.FullName, "missing.csv")));
        }
        finally { dir.Delete(true); }
    }
}
