using System.Text.Json;
using CausalPreference.Evaluation.Judging;
using CausalPreference.IO;

namespace CausalPreference.Tests.Evaluation;

public class OpenAiChatJudgeTests
{
    static OpenAiJudgeOptions Options(FakeChatServer s, int maxAttempts = 3, int concurrency = 4, double? temperature = null, int timeoutMs = 5000) => new()
    {
        BaseUrl = s.BaseUrl,
        Model = "judge-model",
        ApiKey = "test-key",
        Template = JudgeTemplates.HongKong,
        Temperature = temperature,
        MaxAttempts = maxAttempts,
        Concurrency = concurrency,
        RequestTimeout = TimeSpan.FromMilliseconds(timeoutMs),
        InitialBackoff = TimeSpan.FromMilliseconds(5),
        MaxBackoff = TimeSpan.FromMilliseconds(50),
    };

    static readonly JudgePair Pair = new("p1", null, "Text one.", "Text two.");

    [Fact]
    public async Task SendsOneUserMessageToChatCompletionsAndParsesTheAnswer()
    {
        using var server = new FakeChatServer(_ => FakeResponse.Completion("Comparison: two is stronger.\nPreferred: B"));
        using var judge = new OpenAiChatJudge(Options(server));
        var v = await judge.JudgeAsync(Pair);
        Assert.Equal(PairChoice.B, v.Preferred);
        Assert.Equal("two is stronger.", v.Reason);
        var req = Assert.Single(server.Requests);
        Assert.Equal("POST", req.Method);
        Assert.Equal("/v1/chat/completions", req.Path);
        Assert.Equal("Bearer test-key", req.Authorization);
        using var doc = JsonDocument.Parse(req.Body);
        Assert.Equal("judge-model", doc.RootElement.GetProperty("model").GetString());
        Assert.False(doc.RootElement.TryGetProperty("temperature", out _)); // the paper set no temperature
        var msg = Assert.Single(doc.RootElement.GetProperty("messages").EnumerateArray());
        Assert.Equal("user", msg.GetProperty("role").GetString());
        Assert.Equal(JudgeTemplates.Render(JudgeTemplates.HongKong, Pair), req.Content);
        Assert.Equal("openai:judge-model", judge.Name);
    }

    [Fact]
    public async Task SendsTemperatureWhenSetAndCodesUnusableAnswersInvalid()
    {
        using var server = new FakeChatServer(r => r.Number == 1 ? FakeResponse.Completion("Both are fine.") : new FakeResponse(200, "{\"choices\":[]}"));
        using var judge = new OpenAiChatJudge(Options(server, temperature: 0));
        Assert.Equal(PairChoice.Invalid, (await judge.JudgeAsync(Pair)).Preferred);
        Assert.Equal(PairChoice.Invalid, (await judge.JudgeAsync(Pair)).Preferred);
        using var doc = JsonDocument.Parse(server.Requests[0].Body);
        Assert.Equal(0.0, doc.RootElement.GetProperty("temperature").GetDouble());
    }

    [Fact]
    public async Task Retries500And429ThenSucceeds()
    {
        using var server = new FakeChatServer(r => r.Number switch
        {
            1 => new FakeResponse(500, "{\"error\":\"boom\"}"),
            2 => new FakeResponse(429, "{\"error\":\"slow down\"}", RetryAfter: "0"),
            _ => FakeResponse.Completion("Preferred: A"),
        });
        using var judge = new OpenAiChatJudge(Options(server, maxAttempts: 3));
        var v = await judge.JudgeAsync(Pair);
        Assert.Equal(PairChoice.A, v.Preferred);
        Assert.Equal(3, server.RequestCount);
        Assert.Equal(3, judge.RequestsSent);
    }

    [Fact]
    public async Task RetriesATimeout()
    {
        using var server = new FakeChatServer(r => r.Number == 1 ? new FakeResponse(200, "{}", DelayMs: 3000) : FakeResponse.Completion("Preferred: B"));
        using var judge = new OpenAiChatJudge(Options(server, timeoutMs: 300));
        Assert.Equal(PairChoice.B, (await judge.JudgeAsync(Pair)).Preferred);
        Assert.Equal(2, server.RequestCount);
    }

    [Fact]
    public async Task GivesUpAfterMaxAttemptsAndDoesNotRetryClientErrors()
    {
        using var server = new FakeChatServer(_ => new FakeResponse(503, "{\"error\":\"down\"}"));
        using var judge = new OpenAiChatJudge(Options(server, maxAttempts: 3));
        var e = await Assert.ThrowsAsync<JudgeException>(() => judge.JudgeAsync(Pair));
        Assert.Contains("after 3 attempt", e.Message);
        Assert.Equal(3, server.RequestCount);

        using var auth = new FakeChatServer(_ => new FakeResponse(401, "{\"error\":\"bad key\"}"));
        using var judge2 = new OpenAiChatJudge(Options(auth, maxAttempts: 5));
        var e2 = await Assert.ThrowsAsync<JudgeException>(() => judge2.JudgeAsync(Pair));
        Assert.Equal(401, e2.StatusCode);
        Assert.Contains(OpenAiJudgeOptions.KeyVariable, e2.Message);
        Assert.Equal(1, auth.RequestCount);
    }

    [Fact]
    public async Task RespectsTheConcurrencyLimit()
    {
        using var server = new FakeChatServer(r => FakeResponse.Completion("Preferred: A") with { DelayMs = 150 });
        using var judge = new OpenAiChatJudge(Options(server, concurrency: 2));
        var items = Enumerable.Range(0, 6).Select(i => ((string?)null, $"m{i}", $"b{i}")).ToList();
        var r = await PairwiseEvaluation.RunAsync(judge, items, concurrency: 6);
        Assert.Equal(6, server.RequestCount);
        Assert.Equal(2, server.PeakInFlight); // never more than the limit, and the limit is used
        Assert.Equal(3, r.WinRate.Wins); // judge always says A; the method is A in exactly half
    }

    [Fact]
    public async Task CachedRunMakesZeroHttpCalls()
    {
        var dir = Directory.CreateTempSubdirectory("cp-http-cache-");
        try
        {
            var cache = Path.Combine(dir.FullName, "cache.jsonl");
            var items = Enumerable.Range(0, 6).Select(i => ((string?)$"p{i}", $"method {i}", $"baseline {i}")).ToList();
            using var server = new FakeChatServer(r => FakeResponse.Completion(r.Content.Contains("A: method") ? "Preferred: A" : "Preferred: B"));
            using (var judge = new OpenAiChatJudge(Options(server)))
            {
                var first = await PairwiseEvaluation.RunAsync(judge, items, cacheFile: cache);
                Assert.Equal(6, first.WinRate.Wins);
            }
            Assert.Equal(6, server.RequestCount);
            using (var judge = new OpenAiChatJudge(Options(server)))
            {
                var second = await PairwiseEvaluation.RunAsync(judge, items, cacheFile: cache);
                Assert.Equal(6, second.FromCache);
                Assert.Equal(6, second.WinRate.Wins);
                Assert.Equal(0, judge.RequestsSent);
            }
            Assert.Equal(6, server.RequestCount);
        }
        finally { dir.Delete(true); }
    }

    [Fact]
    public void OptionsTakeTheKeyFromANamedVariableAndValidate()
    {
        var name = "CAUSALPO_TEST_KEY_" + Guid.NewGuid().ToString("N");
        Environment.SetEnvironmentVariable(name, "secret");
        try
        {
            var o = new OpenAiJudgeOptions { BaseUrl = "http://127.0.0.1:1/v1", Model = "m" }.WithEnvironment(name);
            Assert.Equal("secret", o.ApiKey);
            Assert.Equal("http://127.0.0.1:1/v1", o.BaseUrl);
        }
        finally { Environment.SetEnvironmentVariable(name, null); }
        Assert.Throws<InputException>(() => new OpenAiJudgeOptions { Model = "m" }.WithEnvironment("CAUSALPO_TEST_UNSET_" + Guid.NewGuid().ToString("N")));
        Assert.Throws<InputException>(() => new OpenAiJudgeOptions { BaseUrl = "ftp://x", Model = "m" }.Validate());
        Assert.Throws<InputException>(() => new OpenAiJudgeOptions { BaseUrl = "http://x/v1", Model = "m", Concurrency = 0 }.Validate());
    }
}
