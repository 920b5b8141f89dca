using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;

namespace CausalPreference.Tests.Evaluation.Judging;

/// <summary>One request as the fake server saw it.</summary>
public sealed record FakeRequest(int Number, string Method, string Path, string? Authorization, string Body)
{
    /// <summary>The "content" of the first user message.</summary>
    public string Content => JsonDocument.Parse(Body).RootElement.GetProperty("messages")[0].GetProperty("content").GetString()!;
}

/// <summary>What the fake server answers.</summary>
public sealed record FakeResponse(int Status, string Body, int DelayMs = 0, string? RetryAfter = null)
{
    /// <summary>A 200 chat completion whose message content is <paramref name="content"/>.</summary>
    public static FakeResponse Completion(string content) =>
        new(200, JsonSerializer.Serialize(new { id = "x", @object = "chat.completion", choices = new[] { new { index = 0, message = new { role = "assistant", content } } } }));

    /// <summary>
    /// A 200 chat completion with no more than some OpenAI-compatible servers send: no id, created, model, usage or
    /// system_fingerprint, only choices[0].message.content (and, when given, a finish_reason such as TGI's "eos_token").
    /// </summary>
    public static FakeResponse Minimal(string content, string? finishReason = null) =>
        new(200, finishReason == null
            ? JsonSerializer.Serialize(new { choices = new[] { new { message = new { content } } } })
            : JsonSerializer.Serialize(new { @object = "chat.completion", choices = new[] { new { finish_reason = finishReason, message = new { role = "assistant", content } } } }));
}

/// <summary>
/// A fake OpenAI-compatible server on 127.0.0.1 with a random free port (HttpListener). It answers at most
/// <c>maxRequests</c> requests (then 503), stops itself after <c>lifetime</c>, and tracks the peak number in flight.
/// </summary>
public sealed class FakeChatServer : IDisposable
{
    readonly HttpListener _listener = new();
    readonly Func<FakeRequest, FakeResponse> _handler;
    readonly int _maxRequests;
    readonly CancellationTokenSource _stop;
    readonly List<FakeRequest> _requests = [];
    int _count, _inFlight, _peak;

    public FakeChatServer(Func<FakeRequest, FakeResponse> handler, int maxRequests = 200, int lifetimeSeconds = 30)
    {
        _handler = handler;
        _maxRequests = maxRequests;
        _stop = new CancellationTokenSource(TimeSpan.FromSeconds(lifetimeSeconds));
        for (int attempt = 0; ; attempt++)
        {
            var probe = new TcpListener(IPAddress.Loopback, 0);
            probe.Start();
            int port = ((IPEndPoint)probe.LocalEndpoint).Port;
            probe.Stop();
            try
            {
                _listener.Prefixes.Clear();
                _listener.Prefixes.Add($"http://127.0.0.1:{port}/");
                _listener.Start();
                BaseUrl = $"http://127.0.0.1:{port}/v1";
                break;
            }
            catch (HttpListenerException) when (attempt < 5) { }
        }
        _stop.Token.Register(() => { try { _listener.Stop(); } catch { } });
        _ = Task.Run(Loop);
    }

    /// <summary>Base URL to give the judge (…/v1).</summary>
    public string BaseUrl { get; private set; } = "";

    /// <summary>Requests received so far.</summary>
    public int RequestCount => Volatile.Read(ref _count);

    /// <summary>Largest number of requests being handled at the same time.</summary>
    public int PeakInFlight => Volatile.Read(ref _peak);

    /// <summary>Copies of the requests received.</summary>
    public List<FakeRequest> Requests { get { lock (_requests) return [.. _requests]; } }

    async Task Loop()
    {
        while (!_stop.IsCancellationRequested)
        {
            HttpListenerContext ctx;
            try { ctx = await _listener.GetContextAsync(); }
            catch { return; }
            _ = Task.Run(() => Handle(ctx));
        }
    }

    async Task Handle(HttpListenerContext ctx)
    {
        int now = Interlocked.Increment(ref _inFlight), left = 0;
        void Leave() { if (Interlocked.Exchange(ref left, 1) == 0) Interlocked.Decrement(ref _inFlight); }
        int peak;
        while (now > (peak = Volatile.Read(ref _peak)) && Interlocked.CompareExchange(ref _peak, now, peak) != peak) { }
        try
        {
            using var reader = new StreamReader(ctx.Request.InputStream, Encoding.UTF8);
            var body = await reader.ReadToEndAsync();
            int n = Interlocked.Increment(ref _count);
            var req = new FakeRequest(n, ctx.Request.HttpMethod, ctx.Request.Url!.AbsolutePath, ctx.Request.Headers["Authorization"], body);
            lock (_requests) _requests.Add(req);
            var resp = n > _maxRequests ? new FakeResponse(503, "{\"error\":\"fake server request budget spent\"}") : _handler(req);
            if (resp.DelayMs > 0) await Task.Delay(resp.DelayMs, _stop.Token);
            Leave(); // before answering, so a client that sends its next request at once is not counted twice
            ctx.Response.StatusCode = resp.Status;
            ctx.Response.ContentType = "application/json";
            if (resp.RetryAfter != null) ctx.Response.AddHeader("Retry-After", resp.RetryAfter);
            var bytes = Encoding.UTF8.GetBytes(resp.Body);
            ctx.Response.ContentLength64 = bytes.Length;
            await ctx.Response.OutputStream.WriteAsync(bytes, _stop.Token);
            ctx.Response.Close();
        }
        catch
        {
            try { ctx.Response.Abort(); } catch { }
        }
        finally { Leave(); }
    }

    public void Dispose()
    {
        _stop.Cancel();
        try { _listener.Close(); } catch { }
        _stop.Dispose();
    }
}
