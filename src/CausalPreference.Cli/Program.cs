using CausalPreference;
TorchRuntime.EnsureLoaded();
var t = TorchSharp.torch.arange(10).sum();
Console.WriteLine($"ok {t.item<long>()} shim={TorchRuntime.ShimPath}");
