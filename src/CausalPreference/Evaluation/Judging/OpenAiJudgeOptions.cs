using CausalPreference.IO;

namespace CausalPreference.Evaluation.Judging;

/// <summary>
/// Settings of <see cref="OpenAiChatJudge"/>. Unset endpoint, model and key are taken from the environment by
/// <see cref="WithEnvironment"/>: <c>CAUSALPO_JUDGE_URL</c>, <c>CAUSALPO_JUDGE_MODEL</c>,
/// <c>CAUSALPO_JUDGE_API_KEY</c> (then <c>OPENAI_API_KEY</c>).
/// </summary>
public sealed record OpenAiJudgeOptions
{
    /// <summary>Environment variable for the base URL.</summary>
    public const string UrlVariable = "CAUSALPO_JUDGE_URL";
    /// <summary>Environment variable for the model id.</summary>
    public const string ModelVariable = "CAUSALPO_JUDGE_MODEL";
    /// <summary>Environment variable for the API key (checked first).</summary>
    public const string KeyVariable = "CAUSALPO_JUDGE_API_KEY";
    /// <summary>Fallback environment variable for the API key.</summary>
    public const string OpenAiKeyVariable = "OPENAI_API_KEY";
    /// <summary>Used when neither the options nor the environment give a base URL.</summary>
    public const string DefaultBaseUrl = "https://api.openai.com/v1";
    /// <summary>The paper's judge model (docs/math.md#judging); not a default, only a hint in messages.</summary>
    public const string PaperModel = "gpt-4-1106-preview";

    /// <summary>Base URL of an OpenAI-compatible API; requests go to <c>{BaseUrl}/chat/completions</c>.</summary>
    public string? BaseUrl { get; init; }
    /// <summary>Model id sent with each request.</summary>
    public string? Model { get; init; }
    /// <summary>Bearer token; none is sent when null (local servers often need none).</summary>
    public string? ApiKey { get; init; }
    /// <summary>Prompt template with {A} {B} [{PROMPT}]; default the paper's Hong Kong prompt.</summary>
    public string Template { get; init; } = JudgeTemplates.HongKong;
    /// <summary>Sampling temperature; null sends none (the paper set none).</summary>
    public double? Temperature { get; init; }
    /// <summary>Attempts per pair on 429, 5xx, timeouts and connection errors (≥ 1).</summary>
    public int MaxAttempts { get; init; } = 5;
    /// <summary>Most requests in flight at once (≥ 1).</summary>
    public int Concurrency { get; init; } = 4;
    /// <summary>Per-request timeout.</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(120);
    /// <summary>First retry delay; doubles each attempt (with jitter), capped by <see cref="MaxBackoff"/>.</summary>
    public TimeSpan InitialBackoff { get; init; } = TimeSpan.FromSeconds(1);
    /// <summary>Largest retry delay, also the cap on a server's Retry-After.</summary>
    public TimeSpan MaxBackoff { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// Fills unset <see cref="BaseUrl"/>, <see cref="Model"/> and <see cref="ApiKey"/> from the environment
    /// (the key from <paramref name="apiKeyVariable"/> when given, else CAUSALPO_JUDGE_API_KEY, then OPENAI_API_KEY),
    /// and the base URL from <see cref="DefaultBaseUrl"/> as a last resort.
    /// </summary>
    public OpenAiJudgeOptions WithEnvironment(string? apiKeyVariable = null)
    {
        static string? Env(string name) => Environment.GetEnvironmentVariable(name) is { Length: > 0 } v ? v : null;
        string? key = ApiKey;
        if (key == null)
        {
            if (!string.IsNullOrWhiteSpace(apiKeyVariable))
            {
                key = Env(apiKeyVariable);
                if (key == null) throw new InputException($"the environment variable {apiKeyVariable} (named by `api_key_env`) is not set. Export the API key in it.");
            }
            else key = Env(KeyVariable) ?? Env(OpenAiKeyVariable);
        }
        return this with { BaseUrl = BaseUrl ?? Env(UrlVariable) ?? DefaultBaseUrl, Model = Model ?? Env(ModelVariable), ApiKey = key };
    }

    /// <summary>Checks the settings; throws <see cref="InputException"/> saying what to set.</summary>
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(Model))
            throw new InputException($"no judge model id. Pass `model` or set {ModelVariable} (the paper used {PaperModel}).");
        if (string.IsNullOrWhiteSpace(BaseUrl) || !Uri.TryCreate(BaseUrl, UriKind.Absolute, out var u) || (u.Scheme != "http" && u.Scheme != "https"))
            throw new InputException($"the judge base URL '{BaseUrl}' is not an http(s) URL. Pass `url` or set {UrlVariable}, e.g. {DefaultBaseUrl}.");
        if (MaxAttempts < 1) throw new InputException($"max attempts must be at least 1 (got {MaxAttempts}).");
        if (Concurrency < 1) throw new InputException($"concurrency must be at least 1 (got {Concurrency}).");
        if (RequestTimeout <= TimeSpan.Zero) throw new InputException("the request timeout must be positive.");
        if (Temperature is { } t && (!double.IsFinite(t) || t < 0)) throw new InputException($"temperature must be a finite number >= 0 (got {t}).");
        JudgeTemplates.Validate(Template);
    }
}
