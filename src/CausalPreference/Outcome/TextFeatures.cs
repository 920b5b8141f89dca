namespace CausalPreference.Outcome;

/// <summary>Word extraction for lexical outcome models: lowercase (invariant), words are maximal runs of letters or digits (apostrophes inside a word kept).</summary>
public static class TextFeatures
{
    /// <summary>The words of <paramref name="text"/>, in order.</summary>
    public static List<string> Words(string text)
    {
        var words = new List<string>();
        var lower = text.ToLowerInvariant();
        int start = -1;
        for (int i = 0; i <= lower.Length; i++)
        {
            bool word = i < lower.Length && (char.IsLetterOrDigit(lower[i])
                || (lower[i] == '\'' && start >= 0 && i + 1 < lower.Length && char.IsLetterOrDigit(lower[i + 1])));
            if (word) { if (start < 0) start = i; }
            else if (start >= 0) { words.Add(lower[start..i]); start = -1; }
        }
        return words;
    }

    /// <summary>The distinct terms of a text: its words, plus "w1 w2" bigrams when asked (presence only, i.e. counts clipped to 1).</summary>
    public static HashSet<string> Terms(string text, bool bigrams, out int wordCount)
    {
        var words = Words(text);
        wordCount = words.Count;
        var set = new HashSet<string>(words, StringComparer.Ordinal);
        if (bigrams) for (int i = 0; i + 1 < words.Count; i++) set.Add(words[i] + " " + words[i + 1]);
        return set;
    }
}
