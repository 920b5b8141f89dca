namespace CausalPreference.Simulation;

/// <summary>How a simulated world codes its outcome Y.</summary>
public enum OutcomeKind
{
    /// <summary>A rating-like number: Y = g*(x) + Normal(0, sd); g*(x) is the linear score itself.</summary>
    Continuous,

    /// <summary>A 0/1 response: Y ~ Bernoulli(g*(x)) with g*(x) = sigmoid(linear score), a probability.</summary>
    Binary,
}
