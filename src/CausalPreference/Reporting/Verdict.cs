namespace CausalPreference.Reporting;

/// <summary>The verdict on one model against its baseline (usually FT).</summary>
/// <param name="Model">The model.</param>
/// <param name="Baseline">What it is compared with.</param>
/// <param name="Outcome">"better", "worse", "no detectable difference" or "not estimable".</param>
/// <param name="Basis">The evidence it rests on (null when not estimable).</param>
/// <param name="Reasons">Why other estimates were set aside (and, when not estimable, why every one was).</param>
/// <param name="Flags">Caveats on the basis, e.g. an outcome model near chance.</param>
public sealed record Verdict(string Model, string Baseline, string Outcome, LiftEvidence? Basis, IReadOnlyList<string> Reasons, IReadOnlyList<string> Flags)
{
    /// <summary>One line for a report, numbers in <paramref name="fmt"/>.</summary>
    public string Line(NumberFormat fmt)
    {
        if (Basis is not { } b)
            return $"{Model}: not estimable against {Baseline} — {string.Join("; ", Reasons)}";
        string where = b.Estimator == "WITHIN" ? $"within {b.Experiments} held-out experiments" : b.EffectiveRows is double e ? $"{b.Estimator}, {e:0.#} effective held-out rows" : b.Estimator;
        string vs = Outcome == "no detectable difference" ? $"no detectable difference from {Baseline}" : $"{Outcome} than {Baseline}";
        return $"{Model}: {vs}: {fmt.Difference(b.Difference)} {fmt.DifferenceInterval(b.CiLow, b.CiHigh)} ({where})"
               + (Flags.Count > 0 ? " — " + string.Join("; ", Flags) : "");
    }
}
