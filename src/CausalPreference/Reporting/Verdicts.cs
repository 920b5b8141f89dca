namespace CausalPreference.Reporting;

/// <summary>
/// Chooses, for each model, the estimate its diagnostics support and states one verdict. Preference: WITHIN (A/B tests
/// within experiments) &gt; SNDR &gt; DR &gt; SNIPW &gt; IPW &gt; DM. An estimate is set aside when its interval has zero width
/// or is not finite; an importance-weighted one (IPW, SNIPW, DR, SNDR) when its weights rest on fewer than
/// <see cref="MinEffectiveRows"/> rows (DR and SNDR are then the outcome model alone); DM when the outcome model is near
/// chance on held-out rows (R² below <see cref="ChanceR2"/> and AUC, if any, below <see cref="ChanceAuc"/>); WITHIN with
/// fewer than <see cref="Causal.WithinExperimentValue.MinExperiments"/> experiments. DR/SNDR kept despite a near-chance
/// outcome model are flagged.
/// </summary>
public static class Verdicts
{
    /// <summary>Fewest effective rows an importance-weighted estimate may rest on.</summary>
    public const double MinEffectiveRows = 10;
    /// <summary>Held-out R² below this: the outcome model is near chance.</summary>
    public const double ChanceR2 = 0.05;
    /// <summary>Held-out AUC below this (binary outcomes): near chance.</summary>
    public const double ChanceAuc = 0.55;

    static readonly string[] Preference = ["WITHIN", "SNDR", "DR", "SNIPW", "IPW", "DM"];

    /// <summary>True when the outcome model's held-out fit is near chance.</summary>
    public static bool NearChance(double? r2, double? auc) => r2 is double r && r < ChanceR2 && (auc is not double a || a < ChanceAuc);

    /// <summary>Describes the outcome model's fit ("R² 0.016, AUC 0.52").</summary>
    public static string Fit(double? r2, double? auc) =>
        string.Join(", ", new[] { r2 is double r ? $"R² {r:0.000}" : null, auc is double a ? $"AUC {a:0.00}" : null }.Where(x => x != null));

    /// <summary>The verdict for one model from its evidence.</summary>
    public static Verdict For(string model, string baseline, IEnumerable<LiftEvidence> evidence, bool higherIsBetter, double? outcomeR2, double? outcomeAuc)
    {
        bool chance = NearChance(outcomeR2, outcomeAuc);
        var reasons = new List<string>();
        LiftEvidence? basis = null;
        foreach (var e in evidence.OrderBy(e => Array.IndexOf(Preference, e.Estimator) is int i && i >= 0 ? i : 99))
        {
            string? why = null;
            if (!double.IsFinite(e.Difference) || !double.IsFinite(e.CiLow) || !double.IsFinite(e.CiHigh)) why = "no finite interval";
            else if (e.CiHigh - e.CiLow <= 1e-12 * Math.Max(1, Math.Abs(e.Difference))) why = "an interval of zero width";
            else if (e.Estimator == "WITHIN" && (e.Experiments ?? 0) < Causal.WithinExperimentValue.MinExperiments)
                why = $"{e.Experiments ?? 0} held-out experiments with two or more rows";
            else if (e.Estimator is "IPW" or "SNIPW" or "DR" or "SNDR" && e.EffectiveRows is double ess && ess < MinEffectiveRows)
                why = $"importance weights resting on {ess:0.#} {(ess < 1.05 ? "row" : "rows")}";
            else if (e.Estimator == "DM" && chance) why = $"an outcome model near chance ({Fit(outcomeR2, outcomeAuc)})";
            if (why != null) reasons.Add($"{e.Estimator}: {why}");
            else basis ??= e; // every estimate is judged, so the report can say why each one was or was not used
        }
        if (basis is not { } b)
        {
            if (reasons.Count == 0) reasons.Add("no estimate of the difference");
            return new Verdict(model, baseline, "not estimable", null, reasons, []);
        }
        var flags = new List<string>();
        if (chance && b.Estimator is "DR" or "SNDR") flags.Add($"its outcome model is near chance ({Fit(outcomeR2, outcomeAuc)})");
        string outcome = higherIsBetter ? (b.CiLow > 0 ? "better" : b.CiHigh < 0 ? "worse" : "no detectable difference")
            : (b.CiHigh < 0 ? "better" : b.CiLow > 0 ? "worse" : "no detectable difference");
        return new Verdict(model, baseline, outcome, b, reasons, flags);
    }
}
