using System.Text.Json;
using CausalPreference.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace CausalPreference.Perf;

/// <summary>Result of loading the PyTorch reference's tiny-model weights into our Gpt2Model and scoring its check batch.</summary>
sealed record CrossCheckResult(int Tensors, double MaxAbsDiff, double[] Ours, double[] Reference);

/// <summary>
/// Confirms that both sides of the comparison run the same function: pytorch_reference.py --export writes its weights
/// (float32, in the order of a manifest), a padded batch and the batch's log-likelihoods; we load the weights by
/// parameter name and score the batch with <see cref="SequenceScorer"/>.
/// </summary>
static class CrossCheck
{
    public static CrossCheckResult Run(string dir, ModelConfig config, Device? device = null)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "check.json")));
        var root = doc.RootElement;
        var weights = File.ReadAllBytes(Path.Combine(dir, "weights.bin"));
        var model = new Gpt2Model(config);
        var byName = model.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        int copied = 0;
        using (no_grad())
        {
            foreach (var t in root.GetProperty("tensors").EnumerateArray())
            {
                var name = t.GetProperty("name").GetString()!;
                var shape = t.GetProperty("shape").EnumerateArray().Select(e => e.GetInt64()).ToArray();
                long offset = t.GetProperty("offset").GetInt64(), count = shape.Aggregate(1L, (a, b) => a * b);
                if (!byName.TryGetValue(name, out var p))
                    throw new InvalidDataException($"the reference has a parameter '{name}' that Gpt2Model lacks");
                var data = new float[count];
                Buffer.BlockCopy(weights, checked((int)(offset * 4)), data, 0, checked((int)(count * 4)));
                using var src = tensor(data, shape);
                p.copy_(src);
                copied++;
            }
        }
        var rows = root.GetProperty("ids").EnumerateArray().Select(r => r.EnumerateArray().Select(e => e.GetInt64()).ToArray()).ToArray();
        var mask = root.GetProperty("mask").EnumerateArray().Select(r => r.EnumerateArray().Select(e => (float)e.GetDouble()).ToArray()).ToArray();
        var expected = root.GetProperty("logp").EnumerateArray().Select(e => e.GetDouble()).ToArray();
        int b = rows.Length, len = rows[0].Length;
        if (device is not null && device.type != DeviceType.CPU) model.to(device);
        using var ids = tensor(rows.SelectMany(r => r).ToArray(), new long[] { b, len }, device: device);
        using var m = tensor(mask.SelectMany(r => r).ToArray(), new long[] { b, len }, device: device);
        model.eval();
        double[] ours;
        using (no_grad())
        using (var logits = model.forward(ids))
        using (var lp = SequenceScorer.LogProb(logits, ids, m))
            ours = lp.cpu().data<double>().ToArray();
        var diff = ours.Zip(expected, (x, y) => Math.Abs(x - y)).Max();
        return new CrossCheckResult(copied, diff, ours, expected);
    }
}
