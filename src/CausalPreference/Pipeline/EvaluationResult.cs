namespace CausalPreference.Pipeline;

/// <summary>What the evaluate stage writes (eval/values.json).</summary>
public sealed record EvaluationResult(string LoggingSource, string OutcomeModel, ValueRow[] Values, LiftRow[] Lifts, TrueValueRow[]? TrueValues,
    double? ValueUnderRandomization, double? BestPossibleValue);
