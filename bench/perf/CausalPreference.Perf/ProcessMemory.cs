namespace CausalPreference.Perf;

/// <summary>Resident set size of this process, read from /proc/self/status (Linux).</summary>
static class ProcessMemory
{
    /// <summary>Current resident set size in MiB (VmRSS), or NaN where /proc is unavailable.</summary>
    public static double RssMb() => Read("VmRSS:");

    /// <summary>Peak resident set size in MiB (VmHWM), or NaN where /proc is unavailable.</summary>
    public static double PeakRssMb() => Read("VmHWM:");

    static double Read(string key)
    {
        const string status = "/proc/self/status";
        if (!File.Exists(status)) return double.NaN;
        foreach (var line in File.ReadLines(status))
            if (line.StartsWith(key))
                return long.Parse(line[key.Length..].Trim().Split(' ')[0]) / 1024.0;
        return double.NaN;
    }
}
