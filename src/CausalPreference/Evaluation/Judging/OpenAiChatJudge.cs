using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace CausalPreference.Evaluation.Judging;

/// <summary>
/// A judge backed by any OpenAI-compatible chat-completions endpoint (OpenAI, Azure-compatible proxies, vLLM,
/// llama.cpp server, Ollama...): <c>POST {BaseUrl}/chat/completions</c> with the model id, one user message
/// (the rendered template) and, when set, a temperature. The answer is parsed by <see cref="VerdictParser"/>.
/// Retries 408/429/5xx, timeouts and connection errors with exponential backoff (honouring Retry-After up to
/// <see cref="OpenAiJudgeOptions.MaxBackoff"/>); other HTTP errors stop at once with a message saying what to fix.
/// At most <see cref="OpenAiJudgeOptions.Concurrency"/> requests are in flight. Thread-safe.
/// </summary>
public sealed class OpenAiChatJudge : IPairJudge, IDisposable
{
    readonly OpenAiJudgeOptions _options;
    readonly HttpClient _http;
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
        _endpoint = new Uri(options.BaseUrl!.TrimEnd('/') + "/chat/completions");
        // Per-request timeouts are applied with linked tokens so a timeout can be told apart from cancellation.
        _http = handler == null ? new HttpClient() : new HttpClient(handler, disposeHandler: false);
        _http.Timeout = Timeout.InfiniteTimeSpan;
        if (!string.IsNullOrEmpty(options.ApiKey))
            _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", options.ApiKey);
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
        var body = BuildRequestBody(JudgeTemplates.Render(_options.Template, pair));
        string lastError = "";
        for (int attempt = 1; ; attempt++)
        {
            TimeSpan? retryAfter = null;
            await _gate.WaitAsync(ct).ConfigureAwait(false);
            try
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
                timeout.CancelAfter(_options.RequestTimeout);
                using var request = new HttpRequestMessage(HttpMethod.Post, _endpoint) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
                Interlocked.Increment(ref _requests);
                using var response = await _http.SendAsync(request, timeout.Token).ConfigureAwait(false);
                var text = await response.Content.ReadAsStringAsync(timeout.Token).ConfigureAwait(false);
                int status = (int)response.StatusCode;
                if (response.IsSuccessStatusCode) return ParseCompletion(text);
                lastError = $"HTTP {status} {response.ReasonPhrase}: {Excerpt(text)}";
                if (!IsRetryable(response.StatusCode)) throw new JudgeException(Explain(status, lastError), status);
                retryAfter = RetryAfter(response);
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
                lastError = $"no answer within {_options.RequestTimeout.TotalSeconds:0.#} s";
            }
            catch (HttpRequestException e)
            {
                lastError = $"connection failed: {e.Message}";
            }
            finally { _gate.Release(); }

            if (attempt >= _options.MaxAttempts)
                throw new JudgeException($"the judge at {_endpoint} gave no answer for pair '{pair.Id}' after {attempt} attempt(s); last error: {lastError}. " +
                                         "Judgments so far are cached; rerun to resume, or raise `max_attempts`.");
            await Task.Delay(Backoff(attempt, retryAfter), ct).ConfigureAwait(false);
        }
    }

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

    static bool IsRetryable(HttpStatusCode code) => code is HttpStatusCode.TooManyRequests or HttpStatusCode.RequestTimeout || (int)code >= 500;

    static TimeSpan? RetryAfter(HttpResponseMessage response)
    {
        var h = response.Headers.RetryAfter;
        if (h?.Delta is { } d) return d;
        if (h?.Date is { } date) { var wait = date - DateTimeOffset.UtcNow; return wait > TimeSpan.Zero ? wait : TimeSpan.Zero; }
        return null;
    }

    TimeSpan Backoff(int attempt, TimeSpan? retryAfter)
    {
        double baseMs = _options.InitialBackoff.TotalMilliseconds * Math.Pow(2, attempt - 1);
        double ms = Math.Min(_options.MaxBackoff.TotalMilliseconds, baseMs) * (0.5 + 0.5 * Random.Shared.NextDouble());
        if (retryAfter is { } ra) ms = Math.Max(ms, ra.TotalMilliseconds);
        return TimeSpan.FromMilliseconds(Math.Min(ms, _options.MaxBackoff.TotalMilliseconds));
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
}
