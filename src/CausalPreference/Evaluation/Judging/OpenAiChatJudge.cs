using System.ClientModel;
using System.ClientModel.Primitives;
using System.Globalization;
using System.Text;
using System.Text.Json;
using OpenAI;
using OpenAI.Chat;

namespace CausalPreference.Evaluation.Judging;

// Built on the official `OpenAI` .NET client (ChatClient with a custom endpoint), with two choices measured with
// OpenAI 2.15.0 / System.ClientModel 1.16.0 against the tests' fake server:
// * Requests go through ChatClient's protocol method, CompleteChatAsync(BinaryContent, RequestOptions), and the answer
//   is read by ParseCompletion below, not by the typed CompleteChatAsync(messages), which throws on answers that
//   OpenAI-compatible servers send and this judge reads or counts as Invalid: "choices": [] and {}
//   (ArgumentOutOfRangeException), a non-JSON or array body (JsonException, InvalidOperationException), a
//   finish_reason outside OpenAI's set such as TGI's "eos_token", or a role such as "model" (ArgumentOutOfRangeException).
//   Minimal answers (choices[0].message.content only: no id, created, model, usage or system_fingerprint) it did read.
// * Retries are JudgeRetryPolicy, not the built-in ClientRetryPolicy, which retries only 408, 429, 500, 502, 503 and
//   504 (501, 505, 520 and 529 failed at once), waits out Retry-After uncapped (a 30 s Retry-After held the request
//   30 s), backs off 0.8, 1.6, 3.2 s without jitter, and, when OpenAIClientOptions.RetryPolicy is left unset, retried
//   3 times with no delay at all. Timeouts (NetworkTimeout) and connection failures are retried by both.

/// <summary>
/// A judge backed by any OpenAI-compatible chat-completions endpoint (OpenAI, Azure-compatible proxies, vLLM,
/// llama.cpp server, Ollama...): <c>POST {BaseUrl}/chat/completions</c> with the model id, one user message
/// (the rendered template) and, when set, a temperature, sent through the official <c>OpenAI</c> client's pipeline.
/// The answer is parsed by <see cref="VerdictParser"/>.
/// Retries 408/429/5xx, timeouts and connection errors with exponential backoff (honouring Retry-After up to
/// <see cref="OpenAiJudgeOptions.MaxBackoff"/>); other HTTP errors stop at once with a message saying what to fix.
/// At most <see cref="OpenAiJudgeOptions.Concurrency"/> requests are in flight. Thread-safe.
/// </summary>
public sealed class OpenAiChatJudge : IPairJudge, IDisposable
{
    /// <summary>The credential given to the client when no key is set; its header is removed before sending.</summary>
    const string NoKey = "no-key";

    readonly OpenAiJudgeOptions _options;
    readonly HttpClient _http;
    readonly ChatClient _client;
    readonly SemaphoreSlim _gate;
    readonly Uri _endpoint;
    int _requests;

    /// <summary>Creates the judge; <paramref name="options"/> must be complete (see <see cref="OpenAiJudgeOptions.WithEnvironment"/>).</summary>
    /// <param name="options">Endpoint, model, key, template, retry and concurrency settings.</param>
    /// <param name="handler">Optional HTTP handler (tests, proxies); the judge does not dispose it.</param>
    public OpenAiChatJudge(OpenAiJudgeOptions options, HttpMessageHandler? handler = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _options = options;
        var baseUrl = new Uri(options.BaseUrl!.TrimEnd('/'));
        _endpoint = new Uri(options.BaseUrl!.TrimEnd('/') + "/chat/completions");
        // The pipeline applies the per-request timeout (NetworkTimeout), so the HttpClient has none of its own.
        _http = handler == null ? new HttpClient() : new HttpClient(handler, disposeHandler: false);
        _http.Timeout = Timeout.InfiniteTimeSpan;
        var clientOptions = new OpenAIClientOptions
        {
            Endpoint = baseUrl,
            NetworkTimeout = options.RequestTimeout,
            RetryPolicy = new JudgeRetryPolicy(options),
            Transport = new HttpClientPipelineTransport(_http),
        };
        _client = new ChatClient(options.Model!, new ApiKeyCredential(string.IsNullOrEmpty(options.ApiKey) ? NoKey : options.ApiKey), clientOptions);
        _gate = new SemaphoreSlim(options.Concurrency, options.Concurrency);
    }

    /// <inheritdoc/>
    public string Name => $"openai:{_options.Model}";

    /// <inheritdoc/>
    public string Configuration =>
        $"url={_endpoint};model={_options.Model};temperature={(_options.Temperature?.ToString("R", CultureInfo.InvariantCulture) ?? "unset")};template={_options.Template}";

    /// <summary>The settings in use (the API key included; do not log it).</summary>
    public OpenAiJudgeOptions Options => _options;

    /// <summary>HTTP requests sent so far, retries included.</summary>
    public int RequestsSent => Volatile.Read(ref _requests);

    /// <inheritdoc/>
    public async Task<JudgeVerdict> JudgeAsync(JudgePair pair, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(pair);
        var body = BinaryContent.Create(BinaryData.FromString(BuildRequestBody(JudgeTemplates.Render(_options.Template, pair))));
        var attempts = new AttemptPolicy(this);
        var requestOptions = new RequestOptions { CancellationToken = ct };
        requestOptions.AddPolicy(attempts, PipelinePosition.PerTry);
        string lastError;
        try
        {
            var result = await _client.CompleteChatAsync(body, requestOptions).ConfigureAwait(false);
            return ParseCompletion(result.GetRawResponse().Content.ToString());
        }
        catch (Exception e) when (ct.IsCancellationRequested && e is not OperationCanceledException)
        {
            // A cancellation during a retry arrives wrapped in the retry policy's AggregateException.
            throw new OperationCanceledException(ct);
        }
        catch (Exception e) when (!ct.IsCancellationRequested && Unwrap(e) is ClientResultException { Status: > 0 } http)
        {
            var response = http.GetRawResponse();
            int status = http.Status;
            lastError = $"HTTP {status} {response?.ReasonPhrase}: {Excerpt(response?.Content?.ToString() ?? "")}";
            if (!JudgeRetryPolicy.IsRetryable(status)) throw new JudgeException(Explain(status, lastError), status);
        }
        catch (Exception e) when (!ct.IsCancellationRequested && Unwrap(e) is OperationCanceledException)
        {
            lastError = $"no answer within {_options.RequestTimeout.TotalSeconds:0.#} s";
        }
        catch (Exception e) when (!ct.IsCancellationRequested && JudgeRetryPolicy.IsConnectionFailure(Unwrap(e)))
        {
            lastError = $"connection failed: {Unwrap(e).Message}";
        }
        throw new JudgeException($"the judge at {_endpoint} gave no answer for pair '{pair.Id}' after {attempts.Count} attempt(s); last error: {lastError}. " +
                                 "Judgments so far are cached; rerun to resume, or raise `max_attempts`.");
    }

    /// <summary>The last try's exception when the retry policy gathered several.</summary>
    static Exception Unwrap(Exception e) => e is AggregateException { InnerExceptions.Count: > 0 } a ? a.InnerExceptions[^1] : e;

    string BuildRequestBody(string content)
    {
        using var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms))
        {
            w.WriteStartObject();
            w.WriteString("model", _options.Model);
            w.WriteStartArray("messages");
            w.WriteStartObject();
            w.WriteString("role", "user");
            w.WriteString("content", content);
            w.WriteEndObject();
            w.WriteEndArray();
            if (_options.Temperature is { } t) w.WriteNumber("temperature", t);
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(ms.ToArray());
    }

    /// <summary>Reads choices[0].message.content; a body without it is an Invalid verdict (counted), with the body as raw response.</summary>
    static JudgeVerdict ParseCompletion(string body)
    {
        try
        {
            using var doc = JsonDocument.Parse(body);
            if (doc.RootElement.ValueKind == JsonValueKind.Object
                && doc.RootElement.TryGetProperty("choices", out var choices) && choices.ValueKind == JsonValueKind.Array && choices.GetArrayLength() > 0
                && choices[0].TryGetProperty("message", out var message) && message.ValueKind == JsonValueKind.Object
                && message.TryGetProperty("content", out var content) && content.ValueKind == JsonValueKind.String)
                return VerdictParser.Parse(content.GetString());
        }
        catch (JsonException) { }
        return new JudgeVerdict(PairChoice.Invalid, body, "invalid: the response is not a chat completion with message content");
    }

    string Explain(int status, string error) => status switch
    {
        401 or 403 => $"the judge endpoint refused the credentials ({error}). Set {OpenAiJudgeOptions.KeyVariable} or {OpenAiJudgeOptions.OpenAiKeyVariable} (or `api_key_env` NAME).",
        404 => $"the judge endpoint {_endpoint} or model '{_options.Model}' was not found ({error}). Check `url` (it should end before /chat/completions, e.g. .../v1) and `model`.",
        _ => $"the judge endpoint {_endpoint} rejected the request ({error}).",
    };

    static string Excerpt(string s)
    {
        s = s.ReplaceLineEndings(" ").Trim();
        return s.Length <= 300 ? s : s[..300] + "...";
    }

    /// <summary>Releases the HTTP client.</summary>
    public void Dispose()
    {
        _http.Dispose();
        _gate.Dispose();
    }

    /// <summary>
    /// One per <see cref="JudgeAsync"/> call, run on every try (after the retry policy): waits for a concurrency slot
    /// (released during the backoff), counts the try, and removes the placeholder credential when no key is set.
    /// </summary>
    sealed class AttemptPolicy(OpenAiChatJudge judge) : PipelinePolicy
    {
        int _count;

        /// <summary>Tries made in this call.</summary>
        public int Count => Volatile.Read(ref _count);

        public override void Process(PipelineMessage message, IReadOnlyList<PipelinePolicy> pipeline, int currentIndex)
            => ProcessAsync(message, pipeline, currentIndex).AsTask().GetAwaiter().GetResult();

        public override async ValueTask ProcessAsync(PipelineMessage message, IReadOnlyList<PipelinePolicy> pipeline, int currentIndex)
        {
            await judge._gate.WaitAsync(message.CancellationToken).ConfigureAwait(false);
            try
            {
                if (string.IsNullOrEmpty(judge._options.ApiKey)) message.Request.Headers.Remove("Authorization");
                Interlocked.Increment(ref _count);
                Interlocked.Increment(ref judge._requests);
                await ProcessNextAsync(message, pipeline, currentIndex).ConfigureAwait(false);
            }
            finally { judge._gate.Release(); }
        }
    }
}

/// <summary>
/// The judge's retry rules on the client pipeline: up to <see cref="OpenAiJudgeOptions.MaxAttempts"/> tries on 408,
/// 429, any 5xx, a timeout or a connection failure; between tries an exponential backoff from
/// <see cref="OpenAiJudgeOptions.InitialBackoff"/> with jitter, raised to the server's Retry-After, and never longer
/// than <see cref="OpenAiJudgeOptions.MaxBackoff"/>. A cancelled request is not retried.
/// </summary>
sealed class JudgeRetryPolicy(OpenAiJudgeOptions options) : ClientRetryPolicy(options.MaxAttempts - 1)
{
    public static bool IsRetryable(int status) => status is 408 or 429 || status >= 500;

    /// <summary>A failure to reach the server or read its answer (the transport reports these as status 0).</summary>
    public static bool IsConnectionFailure(Exception e) =>
        e is ClientResultException { Status: 0 } or HttpRequestException or IOException;

    /// <summary>Tries sent for this message so far (kept on the message: the pipeline's own count is internal).</summary>
    static int Tries(PipelineMessage message) => message.TryGetProperty(typeof(JudgeRetryPolicy), out var n) && n is int i ? i : 0;

    protected override void OnSendingRequest(PipelineMessage message) => message.SetProperty(typeof(JudgeRetryPolicy), Tries(message) + 1);

    protected override ValueTask OnSendingRequestAsync(PipelineMessage message)
    {
        OnSendingRequest(message);
        return default;
    }

    protected override bool ShouldRetry(PipelineMessage message, Exception? exception)
    {
        if (Tries(message) >= options.MaxAttempts || message.CancellationToken.IsCancellationRequested) return false;
        if (exception != null) return exception is OperationCanceledException || IsConnectionFailure(exception);
        return message.Response is { } r && IsRetryable(r.Status);
    }

    protected override ValueTask<bool> ShouldRetryAsync(PipelineMessage message, Exception? exception) => new(ShouldRetry(message, exception));

    protected override TimeSpan GetNextDelay(PipelineMessage message, int tryCount)
    {
        int attempt = Tries(message); // the try that just failed, from 1
        double baseMs = options.InitialBackoff.TotalMilliseconds * Math.Pow(2, attempt - 1);
        double ms = Math.Min(options.MaxBackoff.TotalMilliseconds, baseMs) * (0.5 + 0.5 * Random.Shared.NextDouble());
        if (message.Response is { } r && RetryAfter(r) is { } ra) ms = Math.Max(ms, ra.TotalMilliseconds);
        return TimeSpan.FromMilliseconds(Math.Min(ms, options.MaxBackoff.TotalMilliseconds));
    }

    /// <summary>Retry-After as seconds or as an HTTP date; null when absent or unreadable.</summary>
    static TimeSpan? RetryAfter(PipelineResponse response)
    {
        if (!response.Headers.TryGetValue("Retry-After", out var value) || string.IsNullOrWhiteSpace(value)) return null;
        if (int.TryParse(value.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out int seconds)) return TimeSpan.FromSeconds(seconds);
        if (DateTimeOffset.TryParseExact(value.Trim(), "r", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var date))
        {
            var wait = date - DateTimeOffset.UtcNow;
            return wait > TimeSpan.Zero ? wait : TimeSpan.Zero;
        }
        return null;
    }
}
