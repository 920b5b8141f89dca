using System.Text.RegularExpressions;

namespace CausalPreference.IO;

/// <summary>
/// Bad user input: a missing column, a non-numeric value, an unreadable file, conflicting options.
/// The CLI maps it to exit code 2. The message always says what to do; <see cref="File"/>,
/// <see cref="Row"/> (1-based data row, the header is row 0) and <see cref="Column"/> locate the problem where they apply.
/// <para>The library names its parameters, never a caller's spelling of them: a parameter is written in backticks
/// (<c>`epochs`</c>, <c>`batch_size`</c>, <c>`out`</c>), and a caller re-spells them with <see cref="Respell(Func{string, string?})"/> (the CLI
/// as its flags; the pipeline as config keys, <c>trainer.epochs</c>).</para>
/// </summary>
public sealed partial class InputException : Exception
{
    /// <summary>The file or folder the problem is in; null when it is not about a file.</summary>
    public string? File { get; }
    /// <summary>The 1-based data row (the header is row 0); null when the problem is not about one row.</summary>
    public long? Row { get; }
    /// <summary>The column concerned (its name in the file, or a role such as <c>outcome</c>); null when the problem is not about one column.</summary>
    public string? Column { get; }
    /// <summary>The message before <see cref="File"/>, <see cref="Row"/> and <see cref="Column"/> were prefixed.</summary>
    public string Detail { get; }

    /// <summary>An input error; the exception's message is <paramref name="message"/> prefixed with whichever of
    /// <paramref name="file"/>, <paramref name="row"/> and <paramref name="column"/> are given
    /// (<c>file, row 3, column 'y': message</c>).</summary>
    /// <param name="message">What is wrong and what to do about it; parameters in backticks (see <see cref="Respell(Func{string, string?})"/>).</param>
    /// <param name="file">The file or folder concerned, or null.</param>
    /// <param name="row">The 1-based data row, or null.</param>
    /// <param name="column">The column name, or null.</param>
    /// <param name="inner">The exception that revealed the problem, or null.</param>
    public InputException(string message, string? file = null, long? row = null, string? column = null, Exception? inner = null)
        : base(Compose(message, file, row, column), inner)
    {
        File = file; Row = row; Column = column; Detail = message;
    }

    /// <summary>The parameters the message names (in backticks), in order.</summary>
    public IReadOnlyList<string> Parameters => ParameterPattern().Matches(Detail).Select(m => m.Groups[1].Value).Distinct().ToArray();

    /// <summary>The same error with each named parameter spelled by <paramref name="spell"/> (null keeps the parameter's
    /// name, without backticks); this exception when it names none.</summary>
    public InputException Respell(Func<string, string?> spell)
    {
        if (!ParameterPattern().IsMatch(Detail)) return this;
        return new InputException(Respell(Detail, spell), File, Row, Column, InnerException);
    }

    /// <summary>Any message (an exception's, an alarm) with each parameter in backticks spelled by <paramref name="spell"/>.</summary>
    public static string Respell(string text, Func<string, string?> spell) =>
        ParameterPattern().Replace(text, m => spell(m.Groups[1].Value) ?? m.Groups[1].Value);

    [GeneratedRegex("`([a-z][a-z0-9_.]*)`")]
    private static partial Regex ParameterPattern();

    static string Compose(string message, string? file, long? row, string? column)
    {
        var where = new List<string>();
        if (file != null) where.Add(file);
        if (row != null) where.Add($"row {row}");
        if (column != null) where.Add($"column '{column}'");
        return where.Count == 0 ? message : $"{string.Join(", ", where)}: {message}";
    }
}
