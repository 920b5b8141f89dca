namespace CausalPreference.Evaluation;

/// <summary>
/// Hook through which the application supplies outcome-model judges to <c>causalpo judge --judge outcome-model</c>.
/// TODO(integrator): register a factory that loads a fitted outcome model from a folder and wraps it in an
/// <see cref="OutcomeModelJudge"/> (score function, direction, a name that identifies the model).
/// </summary>
public static class OutcomeJudgeFactory
{
    static Func<string, IPairJudge>? _factory;

    /// <summary>Registers the factory: model folder → judge. Replaces any earlier one.</summary>
    public static void Register(Func<string, IPairJudge> factory) => _factory = factory ?? throw new ArgumentNullException(nameof(factory));

    /// <summary>Whether a factory is registered.</summary>
    public static bool IsAvailable => _factory != null;

    /// <summary>Creates the judge for <paramref name="modelDir"/>, or null when no factory is registered.</summary>
    public static IPairJudge? TryCreate(string modelDir) => _factory?.Invoke(modelDir);
}
