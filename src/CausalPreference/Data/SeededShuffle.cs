namespace CausalPreference.Data;

/// <summary>
/// A Fisher–Yates shuffle driven by SplitMix64, so a seed gives the same order on every platform and .NET version
/// (unlike <see cref="Random"/>, whose seeded sequence is not guaranteed across versions).
/// </summary>
internal static class SeededShuffle
{
    public static void Shuffle<T>(IList<T> items, int seed)
    {
        ulong state = unchecked((ulong)(long)seed * 0x9E3779B97F4A7C15UL + 0xD1B54A32D192ED03UL);
        for (int i = items.Count - 1; i > 0; i--)
        {
            int j = (int)Below(ref state, (ulong)(i + 1));
            (items[i], items[j]) = (items[j], items[i]);
        }
    }

    static ulong Next(ref ulong s)
    {
        ulong z = s += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>Uniform in [0, n) without modulo bias (rejection sampling).</summary>
    static ulong Below(ref ulong s, ulong n)
    {
        ulong limit = ulong.MaxValue - ulong.MaxValue % n;
        ulong x;
        do x = Next(ref s); while (x >= limit);
        return x % n;
    }
}
