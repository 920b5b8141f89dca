using System.Text.Json;
using CausalPreference.Evaluation.Judging;
using CausalPreference.IO;

namespace CausalPreference.Tests.Evaluation.Judging;

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
    public async Task ReadsMinimalAnswersOfOpenAiCompatibleServers()
    {
        // vLLM, llama.cpp, TGI and proxies may leave out id, created, model, usage and system_fingerprint, or send a
        // finish_reason the OpenAI API does not have; the answer is read all the same.
        using var server = new FakeChatServer(r => r.Number switch
        {
            1 => FakeResponse.Minimal("Preferred: A"),
            2 => FakeResponse.Minimal("Comparison: b.\nPreferred: B", finishReason: "eos_token"),
            3 => new FakeResponse(200, "{\"choices\":[{\"message\":{\"role\":\"model\",\"content\":\"Preferred: A\"}}]}"),
            _ => new FakeResponse(200, "{\"object\":\"chat.completion\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"Preferred: B\"},\"finish_reason\":\"stop\"}]}"),
        });
        using var judge = new OpenAiChatJudge(Options(server));
        Assert.Equal(PairChoice.A, (await judge.JudgeAsync(Pair)).Preferred);
        var v = await judge.JudgeAsync(Pair);
        Assert.Equal(PairChoice.B, v.Preferred);
        Assert.Equal("b.", v.Reason);
        Assert.Equal(PairChoice.A, (await judge.JudgeAsync(Pair)).Preferred);
        Assert.Equal(PairChoice.B, (await judge.JudgeAsync(Pair)).Preferred);
        Assert.Equal(4, judge.RequestsSent);
    }

    [Fact]
    public async Task CodesBodiesThatAreNoChatCompletionInvalidWithTheBody()
    {
        string[] bodies = ["{}", "{\"choices\":[]}", "<html>busy</html>", "[1,2]", "{\"choices\":[{\"message\":{\"role\":\"assistant\",\"content\":null}}]}"];
        using var server = new FakeChatServer(r => new FakeResponse(200, bodies[(r.Number - 1) % bodies.Length]));
        using var judge = new OpenAiChatJudge(Options(server));
        foreach (var body in bodies)
        {
            var v = await judge.JudgeAsync(Pair);
            Assert.Equal(PairChoice.Invalid, v.Preferred);
            Assert.Equal(body, v.RawResponse);
        }
        Assert.Equal(bodies.Length, server.RequestCount); // a 200 is never retried
    }

    [Fact]
    public async Task RetriesEvery5xxAnd408()
    {
        int[] codes = [501, 520, 529, 408, 505];
        using var server = new FakeChatServer(r => r.Number <= codes.Length ? new FakeResponse(codes[r.Number - 1], "{\"error\":\"e\"}") : FakeResponse.Completion("Preferred: B"));
        using var judge = new OpenAiChatJudge(Options(server, maxAttempts: codes.Length + 1));
        Assert.Equal(PairChoice.B, (await judge.JudgeAsync(Pair)).Preferred);
        Assert.Equal(codes.Length + 1, server.RequestCount);
        Assert.Equal(codes.Length + 1, judge.RequestsSent);
    }

    [Fact]
    public async Task HonoursRetryAfterUpToMaxBackoff()
    {
        using var server = new FakeChatServer(r => r.Number == 1 ? new FakeResponse(429, "{}", RetryAfter: "1") : FakeResponse.Completion("Preferred: A"));
        using var judge = new OpenAiChatJudge(Options(server) with { MaxBackoff = TimeSpan.FromSeconds(5) });
        var sw = System.Diagnostics.Stopwatch.StartNew();
        Assert.Equal(PairChoice.A, (await judge.JudgeAsync(Pair)).Preferred);
        Assert.InRange(sw.ElapsedMilliseconds, 900, 4000); // waited the server's second, not the 5 ms initial backoff

        using var capped = new FakeChatServer(r => r.Number == 1 ? new FakeResponse(503, "{}", RetryAfter: "30") : FakeResponse.Completion("Preferred: A"));
        using var judge2 = new OpenAiChatJudge(Options(capped)); // MaxBackoff 50 ms
        sw.Restart();
        Assert.Equal(PairChoice.A, (await judge2.JudgeAsync(Pair)).Preferred);
        Assert.True(sw.ElapsedMilliseconds < 5000, $"Retry-After 30 s was not capped at MaxBackoff ({sw.ElapsedMilliseconds} ms)");
        Assert.Equal(2, capped.RequestCount);
    }

    [Fact]
    public async Task TellsATimeoutFromACancellation()
    {
        using var server = new FakeChatServer(_ => FakeResponse.Completion("Preferred: A") with { DelayMs = 3000 });
        using var judge = new OpenAiChatJudge(Options(server, maxAttempts: 2, timeoutMs: 200));
        var e = await Assert.ThrowsAsync<JudgeException>(() => judge.JudgeAsync(Pair));
        Assert.Contains("after 2 attempt", e.Message);
        Assert.Contains("no answer within 0.2 s", e.Message);
        Assert.Equal(2, judge.RequestsSent);

        using var judge2 = new OpenAiChatJudge(Options(server, maxAttempts: 3, timeoutMs: 5000));
        using var cts = new CancellationTokenSource(200);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => judge2.JudgeAsync(Pair, cts.Token));
        Assert.Equal(1, judge2.RequestsSent); // a cancelled request is not retried

        using var judge3 = new OpenAiChatJudge(Options(server, maxAttempts: 3, timeoutMs: 150));
        using var cts3 = new CancellationTokenSource(400); // cancelled during the second or third try
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => judge3.JudgeAsync(Pair, cts3.Token));
    }

    [Fact]
    public async Task WaitingForASlotDoesNotCountAgainstTheTimeout()
    {
        using var server = new FakeChatServer(_ => FakeResponse.Completion("Preferred: A") with { DelayMs = 250 });
        using var judge = new OpenAiChatJudge(Options(server, maxAttempts: 1, concurrency: 1, timeoutMs: 1500));
        var verdicts = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => judge.JudgeAsync(Pair)));
        Assert.All(verdicts, v => Assert.Equal(PairChoice.A, v.Preferred));
        Assert.Equal(1, server.PeakInFlight);
        Assert.Equal(8, judge.RequestsSent);
    }

    [Fact]
    public async Task RetriesAConnectionFailureAndSaysSo()
    {
        int port;
        {
            var probe = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
            probe.Start();
            port = ((System.Net.IPEndPoint)probe.LocalEndpoint).Port;
            probe.Stop(); // nothing listens there now
        }
        var o = new OpenAiJudgeOptions
        {
            BaseUrl = $"http://127.0.0.1:{port}/v1", Model = "m", MaxAttempts = 3,
            InitialBackoff = TimeSpan.FromMilliseconds(5), MaxBackoff = TimeSpan.FromMilliseconds(20),
        };
        using var judge = new OpenAiChatJudge(o);
        var e = await Assert.ThrowsAsync<JudgeException>(() => judge.JudgeAsync(Pair));
        Assert.Contains("after 3 attempt", e.Message);
        Assert.Contains("connection failed", e.Message);
        Assert.Null(e.StatusCode);
        Assert.Equal(3, judge.RequestsSent);
    }

    [Fact]
    public async Task SendsNoAuthorizationWithoutAKeyAndExplainsA404()
    {
        using var server = new FakeChatServer(r => r.Number == 1 ? FakeResponse.Minimal("Preferred: A") : new FakeResponse(404, "{\"error\":\"no such model\"}"));
        using var judge = new OpenAiChatJudge(Options(server) with { ApiKey = null, BaseUrl = server.BaseUrl + "/" });
        Assert.Equal(PairChoice.A, (await judge.JudgeAsync(Pair)).Preferred);
        var req = Assert.Single(server.Requests);
        Assert.Null(req.Authorization); // local servers get no placeholder key
        Assert.Equal("/v1/chat/completions", req.Path);
        var e = await Assert.ThrowsAsync<JudgeException>(() => judge.JudgeAsync(Pair));
        Assert.Equal(404, e.StatusCode);
        Assert.Contains("model 'judge-model' was not found", e.Message);
        Assert.Contains("no such model", e.Message);
        Assert.Equal(2, server.RequestCount);
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
