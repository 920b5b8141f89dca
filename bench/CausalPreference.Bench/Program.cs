using CausalPreference.Bench;

// Benchmark dispatcher: dotnet run --project bench/CausalPreference.Bench -c Release -- <bench-name> [options]
var benches = new SortedDictionary<string, (string Description, Func<BenchArgs, int> Run)>(StringComparer.Ordinal)
{
    ["coverage"] = ("Coverage, bias, RMSE and CI width of IPW, SNIPW, DM, DR and SNDR on the built-in world, against the exact value of a tilted policy.", CoverageBench.Run),
};

if (args.Length == 0 || args[0] is "-h" or "--help" or "help")
{
    Console.WriteLine("usage: dotnet run --project bench/CausalPreference.Bench -c Release -- <bench-name> [options]  (--help after a name lists its options)");
    foreach (var (name, b) in benches) Console.WriteLine($"  {name,-12} {b.Description}");
    return args.Length == 0 ? 2 : 0;
}
if (!benches.TryGetValue(args[0], out var bench))
{
    Console.Error.WriteLine($"unknown benchmark '{args[0]}'; known: {string.Join(", ", benches.Keys)}");
    return 2;
}
try
{
    return bench.Run(new BenchArgs(args.Skip(1).ToArray()));
}
catch (BenchArgs.UsageException e)
{
    Console.Error.WriteLine($"error: {e.Message}");
    return 2;
}
