using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using CausalPreference.IO;
using CausalPreference.Perf;
using static TorchSharp.torch;

// CPU performance of the library's training, scoring and generation paths, side by side with PyTorch.
// Normally started by bench/perf/run.sh, which first runs pytorch_reference.py and passes its result as --reference.
//   --plan FILE       bench/perf/plan.json          --quick            the short plan
//   --threads N       intra-op threads (both sides)  --reference FILE  pytorch_reference.py's result
//   --check-dir DIR   the reference's exported weights (cross-check) --out FILE  combined perf.json
string? Arg(string name) { var i = Array.IndexOf(args, name); return i >= 0 && i + 1 < args.Length ? args[i + 1] : null; }
bool quick = args.Contains("--quick");
var planPath = Arg("--plan") ?? Path.Combine(AppContext.BaseDirectory, "plan.json");
var plan = Plan.Load(planPath);
var section = quick ? plan.Quick : plan.Full;
int threads = int.Parse(Arg("--threads") ?? Environment.ProcessorCount.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
CausalPreference.TorchRuntime.EnsureLoaded();
set_num_threads(threads);
Console.WriteLine($"ours: TorchSharp {typeof(TorchSharp.torch).Assembly.GetName().Version}, libtorch {__version__}, {get_num_threads()} threads, {(quick ? "quick" : "full")} plan");

var result = new JsonObject
{
    ["command"] = "bash bench/perf/run.sh" + (quick ? " --quick" : ""),
    ["plan"] = quick ? "quick" : "full",
    ["machine"] = new JsonObject { ["cpu"] = CpuModel(), ["logical_cores"] = Environment.ProcessorCount, ["os"] = System.Runtime.InteropServices.RuntimeInformation.OSDescription,
        ["load_average_at_start"] = File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Trim() : null,
        ["omp_wait_policy"] = Environment.GetEnvironmentVariable("OMP_WAIT_POLICY") },
    ["threads"] = get_num_threads(),
};

if (Arg("--check-dir") is { } checkDir)
{
    var cc = CrossCheck.Run(checkDir, plan.Configs["tiny"].ToModelConfig());
    Console.WriteLine($"cross-check: {cc.Tensors} reference tensors loaded; max |log P ours − log P torch| = {cc.MaxAbsDiff:G3} over {cc.Ours.Length} rows");
    if (!(cc.MaxAbsDiff < 1e-2))
        throw new InvalidOperationException($"the two implementations disagree (max difference {cc.MaxAbsDiff}); the comparison would be meaningless");
    result["cross_check"] = new JsonObject
    {
        ["tensors"] = cc.Tensors, ["max_abs_diff"] = cc.MaxAbsDiff,
        ["ours"] = new JsonArray(cc.Ours.Select(x => (JsonNode)x).ToArray()), ["pytorch"] = new JsonArray(cc.Reference.Select(x => (JsonNode)x).ToArray()),
    };
}

// first, so that the big workloads' allocations do not blur it
var leak = LeakCheck.Run(section.Leak, plan.Configs[section.Leak.Config].ToModelConfig());
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"memory growth (SftTrainer/TrainLoop, {section.Leak.Config}, B={section.Leak.Batch} T={section.Leak.Seq}): RSS {leak.RssAMb:F0} MiB after {leak.StepsA} steps, {leak.RssBMb:F0} MiB after {leak.StepsB} steps (growth {leak.GrowthMb:F1} MiB); live tensors {leak.LiveTensorsA} -> {leak.LiveTensorsB}; {leak.StepsPerSecond:F1} steps/s"));

var rng = new Random(0);
var timings = new List<Timing>();
foreach (var w in section.Workloads)
{
    var work = Workloads.Create(w, plan.Configs[w.Config].ToModelConfig(), rng);
    for (int i = 0; i < section.Warmup; i++) work.Run();
    var secs = new double[w.Iters];
    var cpu = new double[w.Iters];
    var process = Process.GetCurrentProcess();
    for (int i = 0; i < w.Iters; i++)
    {
        process.Refresh();
        var c0 = process.TotalProcessorTime;
        var sw = Stopwatch.StartNew();
        work.Run();
        secs[i] = sw.Elapsed.TotalSeconds;
        process.Refresh();
        cpu[i] = (process.TotalProcessorTime - c0).TotalSeconds;
    }
    double median = Median(secs), medianCpu = Median(cpu);
    var t = new Timing(w.Kind, w.Config, work.Shape, work.TokensPerIteration, w.Iters, secs, cpu, median,
        work.TokensPerIteration / median, work.TokensPerIteration / medianCpu);
    timings.Add(t);
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  ours    {t.Kind,-9} {t.Config,-6} {t.Shape,-28} {t.TokensPerS,10:F0} tok/s {t.TokensPerCpuS,10:F0} tok/cpu-s"));
    GC.Collect();
}
double peak = ProcessMemory.PeakRssMb();


var ours = new JsonObject
{
    ["implementation"] = "CausalPreference (TorchSharp)",
    ["version"] = $"TorchSharp {typeof(TorchSharp.torch).Assembly.GetName().Version}, libtorch {__version__}",
    ["threads"] = get_num_threads(),
    ["workloads"] = new JsonArray(timings.Select(t => (JsonNode)Report.ToJson(t)).ToArray()),
    ["peak_rss_mb"] = peak,
};
result["ours"] = ours;
result["memory_growth"] = new JsonObject
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
var refPeak = result["pytorch"]?["peak_rss_mb"];
Console.WriteLine(FormattableString.Invariant($"peak RSS over the workloads: ours {peak:F0} MiB")
    + (refPeak is null ? "" : FormattableString.Invariant($", PyTorch {(double)refPeak:F0} MiB")));

if (Arg("--out") is { } outPath)
{
    Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(outPath))!);
    AtomicFile.WriteAllText(outPath, result.ToJsonString(Report.Indented) + "\n");
    Console.WriteLine($"wrote {outPath}");
}

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
