using System.Globalization;

namespace CausalPreference.Bench;

/// <summary>Minimal "--name value" / "--flag" option parsing for the benchmarks, with a usage text built as options are read.</summary>
public sealed class BenchArgs
{
    /// <summary>Bad command-line input (exit code 2).</summary>
    public sealed class UsageException(string message) : Exception(message);

    readonly Dictionary<string, string?> _values = new(StringComparer.Ordinal);
    readonly HashSet<string> _used = new(StringComparer.Ordinal);
    readonly List<string> _usage = new();

    /// <summary>True when --help was given.</summary>
    public bool Help { get; }

    /// <summary>Parses <paramref name="args"/>: "--name value", "--name=value" or a bare "--flag".</summary>
    public BenchArgs(string[] args)
    {
        for (int i = 0; i < args.Length; i++)
        {
            var a = args[i];
            if (a is "-h" or "--help") { Help = true; continue; }
            if (!a.StartsWith("--", StringComparison.Ordinal)) throw new UsageException($"unexpected argument '{a}'; options look like --name value");
            int eq = a.IndexOf('=');
            if (eq > 0) { _values[a[..eq]] = a[(eq + 1)..]; continue; }
            bool hasValue = i + 1 < args.Length && !args[i + 1].StartsWith("--", StringComparison.Ordinal);
            _values[a] = hasValue ? args[++i] : null;
        }
    }

    /// <summary>An integer option.</summary>
    public int Int(string name, int defaultValue, string description) => Parse(name, defaultValue, description, s => int.Parse(s, CultureInfo.InvariantCulture));

    /// <summary>A floating-point option.</summary>
    public double Double(string name, double defaultValue, string description) => Parse(name, defaultValue, description, s => double.Parse(s, CultureInfo.InvariantCulture));

    /// <summary>A string option.</summary>
    public string String(string name, string defaultValue, string description) => Parse(name, defaultValue, description, s => s);

    /// <summary>A flag (present or not).</summary>
    public bool Flag(string name, string description)
    {
        _usage.Add($"  {name,-16} {description}");
        _used.Add(name);
        if (!_values.TryGetValue(name, out var v)) return false;
        if (v != null) throw new UsageException($"{name} is a flag and takes no value (got '{v}')");
        return true;
    }

    T Parse<T>(string name, T defaultValue, string description, Func<string, T> parse)
    {
        _usage.Add($"  {name,-16} {description} (default {Convert.ToString(defaultValue, CultureInfo.InvariantCulture)})");
        _used.Add(name);
        if (!_values.TryGetValue(name, out var v)) return defaultValue;
        if (v is null) throw new UsageException($"{name} needs a value");
        try { return parse(v); }
        catch (FormatException) { throw new UsageException($"{name}: cannot read '{v}' as {typeof(T).Name.ToLowerInvariant()}"); }
        catch (OverflowException) { throw new UsageException($"{name}: '{v}' is out of range"); }
    }

    /// <summary>Fails on options no reader asked for (typos), after all options were read.</summary>
    public void RejectUnknown()
    {
        var unknown = _values.Keys.Where(k => !_used.Contains(k)).ToArray();
        if (unknown.Length > 0) throw new UsageException($"unknown option(s) {string.Join(", ", unknown)}; known:\n{Usage}");
    }

    /// <summary>One line per option read so far.</summary>
    public string Usage => string.Join("\n", _usage);
}
