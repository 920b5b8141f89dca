using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using CausalPreference.IO;
using CausalPreference.Perf;
using static TorchSharp.torch;

// Performance of the library's training, scoring and generation paths, side by side with PyTorch.
// Normally started by bench/perf/run.sh (CPU) or bench/gpu/run.sh (CUDA), which first run pytorch_reference.py and
// pass its result as --reference.
//   --plan FILE       bench/perf/plan.json          --quick            the short plan
//   --threads N       intra-op threads (both sides)  --reference FILE  pytorch_reference.py's result
//   --check-dir DIR   the reference's exported weights (cross-check) --out FILE  combined perf.json
//   --device D        cpu (default) or cuda; cuda runs the plan's gpu section unless --section says otherwise
//   --dtype T         float32 (default) or bfloat16 (pure bf16 weights and activations, like model.to(torch.bfloat16))
//   --section S       full, quick or gpu
string? Arg(string name) { var i = Array.IndexOf(args, name); return i >= 0 && i + 1 < args.Length ? args[i + 1] : null; }
bool quick = args.Contains("--quick");
var deviceName = (Arg("--device") ?? "cpu").ToLowerInvariant();
bool gpu = deviceName != "cpu";
var dtypeName = (Arg("--dtype") ?? "float32").ToLowerInvariant();
var dtype = dtypeName switch
{
    "float32" or "fp32" => ScalarType.Float32,
    "bfloat16" or "bf16" => ScalarType.BFloat16,
    _ => throw new ArgumentException($"unknown --dtype '{dtypeName}'; use float32 or bfloat16"),
};
dtypeName = dtype == ScalarType.Float32 ? "float32" : "bfloat16";
var sectionName = Arg("--section") ?? (quick ? "quick" : gpu ? "gpu" : "full");
var planPath = Arg("--plan") ?? Path.Combine(AppContext.BaseDirectory, "plan.json");
var plan = Plan.Load(planPath);
var section = plan.Section(sectionName);
int threads = int.Parse(Arg("--threads") ?? Environment.ProcessorCount.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
CausalPreference.TorchRuntime.EnsureLoaded();
set_num_threads(threads);
if (gpu && !cuda.is_available())
{
    Console.Error.WriteLine($"perf: --device {deviceName}: CUDA is not available to libtorch {__version__} in this process " +
        "(LD_LIBRARY_PATH must point at a CUDA build of PyTorch's torch/lib, with a build published without the CPU natives; see bench/gpu/prepare.sh)");
    return 2;
}
var device = gpu ? new Device(deviceName) : CPU;
void Sync() { if (gpu) cuda.synchronize(); }
Console.WriteLine($"ours: TorchSharp {typeof(TorchSharp.torch).Assembly.GetName().Version}, libtorch {__version__}, {get_num_threads()} threads, {sectionName} plan"
    + (gpu ? $", device {deviceName}, {dtypeName}" : ""));

var result = new JsonObject
{
    ["command"] = gpu ? $"bash bench/gpu/run.sh (CausalPreference.Perf --device {deviceName} --dtype {dtypeName})" : "bash bench/perf/run.sh" + (quick ? " --quick" : ""),
    ["plan"] = sectionName,
    ["machine"] = new JsonObject { ["cpu"] = CpuModel(), ["logical_cores"] = Environment.ProcessorCount, ["os"] = System.Runtime.InteropServices.RuntimeInformation.OSDescription,
        ["load_average_at_start"] = File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Trim() : null,
        ["omp_wait_policy"] = Environment.GetEnvironmentVariable("OMP_WAIT_POLICY") },
    ["threads"] = get_num_threads(),
};
if (gpu)
{
    result["device"] = deviceName;
    result["dtype"] = dtypeName;
}

if (Arg("--check-dir") is { } checkDir)
{
    var cc = CrossCheck.Run(checkDir, plan.Configs["tiny"].ToModelConfig(), device);
    Console.WriteLine($"cross-check: {cc.Tensors} reference tensors loaded; max |log P ours − log P torch| = {cc.MaxAbsDiff:G3} over {cc.Ours.Length} rows"
        + (gpu ? $" (ours on {deviceName}, float32)" : ""));
    if (!(cc.MaxAbsDiff < 1e-2))
        throw new InvalidOperationException($"the two implementations disagree (max difference {cc.MaxAbsDiff}); the comparison would be meaningless");
    result["cross_check"] = new JsonObject
    {
        ["tensors"] = cc.Tensors, ["max_abs_diff"] = cc.MaxAbsDiff,
        ["ours"] = new JsonArray(cc.Ours.Select(x => (JsonNode)x).ToArray()), ["pytorch"] = new JsonArray(cc.Reference.Select(x => (JsonNode)x).ToArray()),
    };
}

// first, so that the big workloads' allocations do not blur it (a CPU check: the gpu section has none)
LeakCheckResult? leak = section.Leak is { } leakPlan ? LeakCheck.Run(leakPlan, plan.Configs[leakPlan.Config].ToModelConfig()) : null;
if (leak is not null)
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"memory growth (SftTrainer/TrainLoop, {section.Leak!.Config}, B={section.Leak.Batch} T={section.Leak.Seq}): RSS {leak.RssAMb:F0} MiB after {leak.StepsA} steps, {leak.RssBMb:F0} MiB after {leak.StepsB} steps (growth {leak.GrowthMb:F1} MiB); live tensors {leak.LiveTensorsA} -> {leak.LiveTensorsB}; {leak.StepsPerSecond:F1} steps/s"));

var rng = new Random(0);
var timings = new List<Timing>();
var failures = new JsonArray();
foreach (var w in section.Workloads)
{
    try
    {
        var t = Measure(w);
        timings.Add(t);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  ours    {t.Kind,-9} {t.Config,-6} {t.Shape,-28} {t.TokensPerS,10:F0} tok/s {t.TokensPerCpuS,10:F0} tok/cpu-s")
            + (gpu ? string.Create(CultureInfo.InvariantCulture, $" {t.GpuMemoryMb?.ToString("F0", CultureInfo.InvariantCulture) ?? "-",8} MiB GPU (nvidia-smi)") : ""));
    }
    catch (Exception e) when (gpu) // on the GPU one failing workload must not hide the others; the CPU bench stops as before
    {
        Console.WriteLine($"  ours    {w.Kind,-9} {w.Config,-6} FAILED: {e.GetType().Name}: {e.Message.Split('\n')[0]}");
        failures.Add(new JsonObject { ["kind"] = w.Kind, ["config"] = w.Config, ["error"] = $"{e.GetType().Name}: {e.Message}" });
    }
    GC.Collect();
    if (gpu) { GC.WaitForPendingFinalizers(); GC.Collect(); } // release the finished workload's device memory
}

Timing Measure(PlanWorkload w)
{
    var work = Workloads.Create(w, plan.Configs[w.Config].ToModelConfig(), rng, device, dtype);
    for (int i = 0; i < section.Warmup; i++) work.Run();
    var secs = new double[w.Iters];
    var cpu = new double[w.Iters];
    var process = Process.GetCurrentProcess();
    for (int i = 0; i < w.Iters; i++)
    {
        Sync();
        process.Refresh();
        var c0 = process.TotalProcessorTime;
        var sw = Stopwatch.StartNew();
        work.Run();
        Sync(); // CUDA kernels run asynchronously: stop the clock only when the device is done
        secs[i] = sw.Elapsed.TotalSeconds;
        process.Refresh();
        cpu[i] = (process.TotalProcessorTime - c0).TotalSeconds;
    }
    double median = Median(secs), medianCpu = Median(cpu);
    return new Timing(w.Kind, w.Config, work.Shape, work.TokensPerIteration, w.Iters, secs, cpu, median,
        work.TokensPerIteration / median, work.TokensPerIteration / medianCpu, gpu ? GpuMemory.UsedByProcessMb() : null);
}
double peak = ProcessMemory.PeakRssMb();


var ours = new JsonObject
{
    ["implementation"] = "CausalPreference (TorchSharp)",
    ["version"] = $"TorchSharp {typeof(TorchSharp.torch).Assembly.GetName().Version}, libtorch {__version__}",
    ["threads"] = get_num_threads(),
    ["workloads"] = new JsonArray(timings.Select(t => (JsonNode)Report.ToJson(t, gpu)).ToArray()),
    ["peak_rss_mb"] = peak,
};
if (gpu)
{
    ours["peak_gpu_memory_note"] = "TorchSharp 0.107 exposes no torch.cuda.max_memory_allocated; gpu_memory_mb is nvidia-smi's memory used by this process after the workload (CUDA context + caching allocator reserve, which is never returned, so it only grows)";
    ours["failures"] = failures;
}
result["ours"] = ours;
if (leak is not null) result["memory_growth"] = new JsonObject
{
    ["what"] = "SftTrainer.Train (TrainLoop.Run) on random byte texts; RSS sampled at two steps",
    ["config"] = section.Leak.Config, ["batch"] = section.Leak.Batch, ["seq"] = section.Leak.Seq,
    ["steps_a"] = leak.StepsA, ["steps_b"] = leak.StepsB, ["rss_a_mb"] = leak.RssAMb, ["rss_b_mb"] = leak.RssBMb,
    ["growth_mb"] = leak.GrowthMb, ["live_tensors_a"] = leak.LiveTensorsA, ["live_tensors_b"] = leak.LiveTensorsB,
    ["steps_per_s"] = leak.StepsPerSecond,
};

List<Timing>? reference = null;
if (Arg("--reference") is { } refPath)
{
    var (list, raw) = Report.ReadReference(refPath);
    reference = list;
    result["pytorch"] = raw.DeepClone();
    if ((int)raw["threads"]! != get_num_threads())
        Console.WriteLine($"warning: PyTorch ran with {(int)raw["threads"]!} threads, we ran with {get_num_threads()}");
    result["ratios"] = new JsonArray(timings.Select(o =>
    {
        var r = list.FirstOrDefault(x => x.Kind == o.Kind && x.Config == o.Config && x.Shape == o.Shape);
        return (JsonNode)new JsonObject
        {
            ["kind"] = o.Kind, ["config"] = o.Config, ["shape"] = o.Shape, ["ours_tokens_per_s"] = o.TokensPerS,
            ["pytorch_tokens_per_s"] = r?.TokensPerS, ["ratio_ours_over_pytorch"] = r is null ? null : o.TokensPerS / r.TokensPerS,
            ["ours_tokens_per_cpu_s"] = o.TokensPerCpuS, ["pytorch_tokens_per_cpu_s"] = r?.TokensPerCpuS,
            ["cpu_ratio_ours_over_pytorch"] = r is null ? null : o.TokensPerCpuS / r.TokensPerCpuS,
        };
    }).ToArray());
}

Console.WriteLine();
Console.WriteLine($"Throughput, median of timed iterations, {get_num_threads()} threads; ratio = ours / PyTorch (above 1 = ours faster).");
Console.WriteLine("Left: wall-clock tokens/s. Right: tokens per CPU-second of the whole process (less sensitive to other load on the machine).");
Console.Write(Report.Table(timings, reference));
if (gpu) Console.Write(Report.GpuMemoryTable(timings, reference));
if (failures.Count > 0) Console.WriteLine($"{failures.Count} workload(s) FAILED on our side; see ours.failures in the JSON");
var refPeak = result["pytorch"]?["peak_rss_mb"];
Console.WriteLine(FormattableString.Invariant($"peak RSS over the workloads: ours {peak:F0} MiB")
    + (refPeak is null ? "" : FormattableString.Invariant($", PyTorch {(double)refPeak:F0} MiB")));

if (Arg("--out") is { } outPath)
{
    Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(outPath))!);
    AtomicFile.WriteAllText(outPath, result.ToJsonString(Report.Indented) + "\n");
    Console.WriteLine($"wrote {outPath}");
}
return failures.Count > 0 ? 1 : 0;

static double Median(double[] xs)
{
    var s = xs.Order().ToArray();
    return s.Length % 2 == 1 ? s[s.Length / 2] : (s[s.Length / 2 - 1] + s[s.Length / 2]) / 2;
}

static string CpuModel()
{
    const string info = "/proc/cpuinfo";
    if (!File.Exists(info)) return "unknown";
    var line = File.ReadLines(info).FirstOrDefault(l => l.StartsWith("model name"));
    return line is null ? "unknown" : line[(line.IndexOf(':') + 1)..].Trim();
}
