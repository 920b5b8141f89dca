using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace CausalPreference.Perf;

/// <summary>One timed workload's measurements (the same fields pytorch_reference.py writes). On a GPU:
/// GpuMemoryMb is nvidia-smi's memory used by the process after the workload (both sides), MaxAllocatedMb
/// torch.cuda.max_memory_allocated over the workload (PyTorch side only; TorchSharp does not expose it).</summary>
sealed record Timing(string Kind, string Config, string Shape, long TokensPerIter, int Iters, double[] Seconds, double[] CpuSeconds,
    double MedianS, double TokensPerS, double TokensPerCpuS, double? GpuMemoryMb = null, double? MaxAllocatedMb = null);

/// <summary>The side-by-side table (throughput ratio ours / PyTorch; above 1 means we are faster) and perf.json.</summary>
static class Report
{
    public static string Table(IReadOnlyList<Timing> ours, IReadOnlyList<Timing>? reference)
    {
        var sb = new StringBuilder();
        sb.AppendLine(string.Format(CultureInfo.InvariantCulture, "{0,-9} {1,-6} {2,-27} {3,11} {4,11} {5,6} | {6,11} {7,11} {8,6}",
            "workload", "model", "shape", "ours tok/s", "torch tok/s", "ratio", "ours /cpu-s", "torch/cpu-s", "ratio"));
        for (int i = 0; i < ours.Count; i++)
        {
            var o = ours[i];
            var r = reference?.FirstOrDefault(x => x.Kind == o.Kind && x.Config == o.Config && x.Shape == o.Shape);
            string F0(double? v) => v is double d ? d.ToString("F0", CultureInfo.InvariantCulture) : "-";
            string F2(double? v) => v is double d ? d.ToString("F2", CultureInfo.InvariantCulture) : "-";
            sb.AppendLine(string.Format(CultureInfo.InvariantCulture, "{0,-9} {1,-6} {2,-27} {3,11} {4,11} {5,6} | {6,11} {7,11} {8,6}",
                o.Kind, o.Config, o.Shape, F0(o.TokensPerS), F0(r?.TokensPerS), F2(o.TokensPerS / r?.TokensPerS),
                F0(o.TokensPerCpuS), F0(r?.TokensPerCpuS), F2(o.TokensPerCpuS / r?.TokensPerCpuS)));
        }
        return sb.ToString();
    }

    /// <summary>GPU memory per workload: ours and PyTorch's nvidia-smi reading, and PyTorch's peak of live tensors.</summary>
    public static string GpuMemoryTable(IReadOnlyList<Timing> ours, IReadOnlyList<Timing>? reference)
    {
        var sb = new StringBuilder();
        sb.AppendLine("GPU memory, MiB: nvidia-smi's use by each process after the workload (context + allocator reserve; it only grows),");
        sb.AppendLine("and PyTorch's torch.cuda.max_memory_allocated during the workload (TorchSharp exposes no such counter).");
        sb.AppendLine(string.Format(CultureInfo.InvariantCulture, "{0,-9} {1,-6} {2,-27} {3,12} {4,12} {5,14}",
            "workload", "model", "shape", "ours smi", "torch smi", "torch max-alloc"));
        string F0(double? v) => v is double d ? d.ToString("F0", CultureInfo.InvariantCulture) : "-";
        foreach (var o in ours)
        {
            var r = reference?.FirstOrDefault(x => x.Kind == o.Kind && x.Config == o.Config && x.Shape == o.Shape);
            sb.AppendLine(string.Format(CultureInfo.InvariantCulture, "{0,-9} {1,-6} {2,-27} {3,12} {4,12} {5,14}",
                o.Kind, o.Config, o.Shape, F0(o.GpuMemoryMb), F0(r?.GpuMemoryMb), F0(r?.MaxAllocatedMb)));
        }
        return sb.ToString();
    }

    /// <summary>Reads the workloads of a pytorch_reference.py result file.</summary>
    public static (List<Timing> timings, JsonObject raw) ReadReference(string path)
    {
        var raw = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
        var list = raw["workloads"]!.AsArray().Select(w => new Timing(
            (string)w!["kind"]!, (string)w["config"]!, (string)w["shape"]!, (long)w["tokens_per_iter"]!, (int)w["iters"]!,
            w["seconds"]!.AsArray().Select(s => (double)s!).ToArray(), w["cpu_seconds"]!.AsArray().Select(s => (double)s!).ToArray(),
            (double)w["median_s"]!, (double)w["tokens_per_s"]!, (double)w["tokens_per_cpu_s"]!,
            (double?)w["gpu_memory_mb"], (double?)w["max_memory_allocated_mb"])).ToList();
        return (list, raw);
    }

    /// <summary>One timing as JSON; on a GPU with its gpu_memory_mb (null when nvidia-smi gave no reading).</summary>
    public static JsonObject ToJson(Timing t, bool gpu = false) => new JsonObject()
    {
        ["kind"] = t.Kind, ["config"] = t.Config, ["shape"] = t.Shape, ["tokens_per_iter"] = t.TokensPerIter, ["iters"] = t.Iters,
        ["seconds"] = new JsonArray(t.Seconds.Select(s => (JsonNode)s).ToArray()),
        ["cpu_seconds"] = new JsonArray(t.CpuSeconds.Select(s => (JsonNode)s).ToArray()),
        ["median_s"] = t.MedianS, ["tokens_per_s"] = t.TokensPerS, ["tokens_per_cpu_s"] = t.TokensPerCpuS,
    }.WithGpuMemory(t, gpu);

    static JsonObject WithGpuMemory(this JsonObject o, Timing t, bool gpu)
    {
        if (gpu) o["gpu_memory_mb"] = t.GpuMemoryMb;
        return o;
    }

    public static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };
}
