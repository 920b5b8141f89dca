using System.Diagnostics;
using System.Globalization;

namespace CausalPreference.Perf;

/// <summary>
/// GPU memory held by this process, as nvidia-smi reports it (the CUDA context plus everything libtorch's caching
/// allocator has reserved, not only live tensors). TorchSharp 0.107 exposes no <c>torch.cuda.max_memory_allocated</c>,
/// so this is the only reading available on our side; the PyTorch side reports both.
/// </summary>
static class GpuMemory
{
    /// <summary>MiB used by process <paramref name="pid"/> (default: this one), or null where nvidia-smi is missing or does not list it.</summary>
    public static double? UsedByProcessMb(int? pid = null)
    {
        pid ??= Environment.ProcessId;
        try
        {
            var psi = new ProcessStartInfo("nvidia-smi", "--query-compute-apps=pid,used_memory --format=csv,noheader,nounits")
            { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            using var p = Process.Start(psi);
            if (p is null) return null;
            var text = p.StandardOutput.ReadToEnd();
            if (!p.WaitForExit(10_000) || p.ExitCode != 0) return null;
            foreach (var line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                var parts = line.Split(',', StringSplitOptions.TrimEntries);
                if (parts.Length == 2 && int.TryParse(parts[0], out var id) && id == pid
                    && double.TryParse(parts[1], NumberStyles.Float, CultureInfo.InvariantCulture, out var mb))
                    return mb;
            }
            return null;
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or InvalidOperationException or IOException)
        {
            return null;
        }
    }
}
