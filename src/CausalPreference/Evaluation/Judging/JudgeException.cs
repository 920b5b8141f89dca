namespace CausalPreference.Evaluation.Judging;

/// <summary>
/// A judge could not produce an answer (HTTP error, authentication, retries exhausted). Unlike an unparsable answer
/// (<see cref="PairChoice.Invalid"/>), this stops the evaluation; judgments made so far stay in the cache, so a rerun resumes.
/// </summary>
public sealed class JudgeException : Exception
{
    /// <summary>HTTP status of the last response, when there was one.</summary>
    public int? StatusCode { get; }

    /// <summary>Creates the exception.</summary>
    public JudgeException(string message, int? statusCode = null, Exception? inner = null) : base(message, inner) => StatusCode = statusCode;
}
