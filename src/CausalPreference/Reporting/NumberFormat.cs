using System.Globalization;

namespace CausalPreference.Reporting;

/// <summary>
/// One readable number format per report: fixed decimals chosen from the outcome's scale (four significant digits of
/// a typical value, between 2 and 8 decimals), never exponent notation, a sign on differences. A click rate of 0.011
/// prints as 0.01113 and its lift as +0.00030; a 1–7 rating as 4.123 and +0.120.
/// </summary>
public sealed class NumberFormat
{
    readonly string _fixed, _signed;

    /// <summary>Decimals used.</summary>
    public int Decimals { get; }

    /// <summary>A format for values of about <paramref name="scale"/> (e.g. the logged mean outcome; 0 or NaN: 3 decimals).</summary>
    public NumberFormat(double scale)
    {
        double a = Math.Abs(scale);
        Decimals = !double.IsFinite(a) || a == 0 ? 3 : Math.Clamp(3 - (int)Math.Floor(Math.Log10(a)), 2, 8);
        _fixed = "0." + new string('0', Decimals);
        _signed = "+" + _fixed + ";-" + _fixed + ";" + _fixed;
    }

    /// <summary>A value: "0.01113"; "–" when not finite.</summary>
    public string Value(double v) => double.IsFinite(v) ? v.ToString(_fixed, CultureInfo.InvariantCulture) : "–";

    /// <summary>A difference with its sign: "+0.00030", "-0.00012", "0.00000".</summary>
    public string Difference(double v) => double.IsFinite(v) ? v.ToString(_signed, CultureInfo.InvariantCulture) : "–";

    /// <summary>An interval: "[0.01092, 0.01135]".</summary>
    public string Interval(double lo, double hi) => $"[{Value(lo)}, {Value(hi)}]";

    /// <summary>An interval of differences: "[-0.00059, +0.00010]".</summary>
    public string DifferenceInterval(double lo, double hi) => $"[{Difference(lo)}, {Difference(hi)}]";
}
