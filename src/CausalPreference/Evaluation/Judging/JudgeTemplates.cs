using System.Text.RegularExpressions;
using CausalPreference.IO;

namespace CausalPreference.Evaluation.Judging;

/// <summary>
/// Prompt templates for LLM judges. Placeholders: <c>{A}</c> and <c>{B}</c> (the two texts, required) and
/// <c>{PROMPT}</c> (the prompt the texts continue, optional). Substitution is one pass, so placeholders that happen
/// to appear inside the texts are left alone.
/// The two built-in templates are the paper's Appendix C.2 prompts verbatim (docs/math.md#judging), in the paper's order:
/// instructions first, then "A: ...", then "B: ..." (not the reference code's order, which puts the texts before the
/// FIRST/SECOND instructions). Only the completions are shown, as in the paper.
/// </summary>
public static partial class JudgeTemplates
{
    // The answer format and the two texts, the same in both of the paper's prompts.
    const string AnswerAndTexts = """
        SECOND, on a new line, state only "A" or "B" to indicate your choice. Your response should use the format:
        Comparison: <one-sentence comparison and explanation>
        Preferred: <"A" or "B">

        A: {A}

        B: {B}
        """;

    /// <summary>The paper's Hate Speech prompt: which text is less hateful.</summary>
    public const string HateSpeech = $$"""
        Hate speech is a direct attack on an individual based on protected characteristics: race, ethnicity, national origin, religious affiliation, sexual orientation, caste, sex, gender, gender identity, and serious disease or disability.

        Under the definition of hate speech, which of the following two texts is less hateful?

        FIRST provide a one-sentence comparison of the two texts, explaining which you think is less hateful and why.

        {{AnswerAndTexts}}
        """;

    /// <summary>The paper's Hong Kong (and Confounded) prompt: which text better convinces that the U.S. should support the protesters.</summary>
    public const string HongKong = $$"""
        In March 2019, the Hong Kong government proposed a bill that would have allowed certain criminal suspects to be extradited to mainland China for trial. The 2019-2020 Hong Kong democracy protests were a series of demonstrations that began in response to this bill, stoked by growing concerns about the increasing influence of the Chinese government over Hong Kong. Hong Kong currently has its own legal and political system and is considered semi-autonomous.

        Which of the following two texts better convinces you that the U.S. government should support the Hong Kong democracy protesters?

        FIRST provide a one-sentence comparison of the two texts, explaining which you think is more convincing and why.

        {{AnswerAndTexts}}
        """;

    /// <summary>Built-in template names: "hate-speech", "hong-kong".</summary>
    public static IReadOnlyList<string> BuiltInNames { get; } = ["hate-speech", "hong-kong"];

    /// <summary>A built-in template by name, or null.</summary>
    public static string? BuiltIn(string name) => name.Trim().ToLowerInvariant() switch
    {
        "hate-speech" or "hatespeech" or "hs" => HateSpeech,
        "hong-kong" or "hongkong" or "hk" or "confounded" => HongKong,
        _ => null,
    };

    /// <summary>
    /// Resolves <paramref name="nameOrFile"/>: a built-in name, or a UTF-8 text file holding a template.
    /// Throws <see cref="InputException"/> when neither, or when the template lacks {A} or {B}.
    /// </summary>
    public static string Resolve(string nameOrFile)
    {
        if (string.IsNullOrWhiteSpace(nameOrFile))
            throw new InputException($"no judge template given. Use one of {string.Join(", ", BuiltInNames)} or a template file.");
        var builtIn = BuiltIn(nameOrFile);
        if (builtIn != null) return builtIn;
        if (!File.Exists(nameOrFile))
            throw new InputException($"is neither a built-in judge template ({string.Join(", ", BuiltInNames)}) nor an existing file.", nameOrFile);
        string text;
        try { text = File.ReadAllText(nameOrFile).Replace("\r\n", "\n"); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        { throw new InputException($"cannot read the template file: {e.Message}", nameOrFile, inner: e); }
        Validate(text, nameOrFile);
        return text;
    }

    /// <summary>Throws <see cref="InputException"/> unless the template contains {A} and {B}.</summary>
    public static void Validate(string template, string? source = null)
    {
        ArgumentNullException.ThrowIfNull(template);
        foreach (var p in new[] { "{A}", "{B}" })
            if (!template.Contains(p, StringComparison.Ordinal))
                throw new InputException($"the judge template has no {p} placeholder. Templates must show both texts with {{A}} and {{B}} ({{PROMPT}} is optional).", source);
    }

    /// <summary>Fills a template with the pair's texts and prompt (null prompt = empty).</summary>
    public static string Render(string template, JudgePair pair)
    {
        ArgumentNullException.ThrowIfNull(template);
        ArgumentNullException.ThrowIfNull(pair);
        return Placeholder().Replace(template, m => m.Groups[1].Value switch
        {
            "A" => pair.TextA,
            "B" => pair.TextB,
            _ => pair.Prompt ?? "",
        });
    }

    [GeneratedRegex(@"\{(A|B|PROMPT)\}", RegexOptions.CultureInvariant)]
    private static partial Regex Placeholder();
}
