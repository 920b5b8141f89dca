using System.Text.RegularExpressions;

namespace CausalPreference.Evaluation.Judging;

/// <summary>
/// Parses an LLM judge's answer in the paper's format ("Comparison: ...", "Preferred: A|B").
/// The pattern is the paper's <c>Preferred:\s*["']?([AB])["']?</c>, case-insensitive, with one tightening: the letter
/// must end a word, so "Preferred: Both" or "Preferred: Answer" is not read as B or A. Every match is considered:
/// matches that disagree ("Preferred: A ... Preferred: B") are Invalid; placeholders like "Preferred: &lt;"A" or "B"&gt;"
/// never match. Anything else is Invalid (counted by the caller, never dropped).
/// </summary>
public static partial class VerdictParser
{
    /// <summary>Parses the choice and the "Comparison:" sentence (if present) from a judge's text.</summary>
    public static JudgeVerdict Parse(string? response)
    {
        var raw = response ?? "";
        var reason = ReasonLine().Match(raw) is { Success: true } r ? r.Groups[1].Value.Trim() : null;
        var letters = PreferredPattern().Matches(raw).Select(m => char.ToUpperInvariant(m.Groups[1].Value[0])).Distinct().ToList();
        var choice = letters.Count == 1 ? (letters[0] == 'A' ? PairChoice.A : PairChoice.B) : PairChoice.Invalid;
        if (choice == PairChoice.Invalid)
            reason = letters.Count == 0 ? "invalid: no 'Preferred: A|B' line" : "invalid: conflicting 'Preferred:' answers";
        return new JudgeVerdict(choice, raw, reason);
    }

    [GeneratedRegex(@"Preferred:\s*[""']?([AB])\b[""']?", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex PreferredPattern();

    [GeneratedRegex(@"Comparison:[ \t]*(.+)", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex ReasonLine();
}
