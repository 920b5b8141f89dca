using System.Diagnostics;
using System.Text.Json;
using CausalPreference.IO;
using CausalPreference.Models;
using CausalPreference.Text;
using TorchSharp;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace CausalPreference.Training;

/// <summary>Which rows one optimizer step uses: the item indices, and where in the run the step is.</summary>
public sealed record StepContext(int[] Indices, int Epoch, int Batch, int BatchesPerEpoch);

/// <summary>What one optimizer step's loss function returns.</summary>
public sealed record StepOutput(Tensor Loss, long Tokens, IReadOnlyDictionary<string, double>? Metrics = null);

/// <summary>
/// State a step function keeps across steps (e.g. the adaptive anchor's λ), saved with every checkpoint and restored on
/// resume, so that a resumed run continues exactly.
/// </summary>
public sealed record TrainCarry(Func<Dictionary<string, double>> Save, Action<IReadOnlyDictionary<string, double>?> Load);

/// <summary>What one validation pass returns: the loss that selects the best checkpoint, and any metrics.</summary>
public sealed record EvalOutput(double Loss, IReadOnlyDictionary<string, double>? Metrics = null);

/// <summary>Summary of a finished run (also written to training.json).</summary>
/// <param name="BestEpoch">The epoch of the kept checkpoint.</param>
/// <param name="BestValidationLoss">The validation loss that selected it.</param>
/// <param name="Steps">Optimizer steps taken, resumed steps included.</param>
/// <param name="Resumed">True when the run continued from saved state.</param>
/// <param name="StoppedEarly">True when the validation loss reached <see cref="TrainerOptions.StopAtValidationLoss"/> before the last epoch.</param>
/// <param name="Epochs">One summary per validation pass (at each epoch end, and every <see cref="TrainerOptions.EvaluateEvery"/> steps).</param>
/// <param name="BestStep">The step of the kept checkpoint.</param>
public sealed record TrainResult(int BestEpoch, double BestValidationLoss, long Steps, bool Resumed, IReadOnlyList<Dictionary<string, double>> Epochs,
    bool StoppedEarly = false, long BestStep = 0);

/// <summary>
/// The optimization loop shared by FT and the causal objectives (the HF Trainer equivalent; docs/math.md#training-defaults):
/// seeded shuffling per epoch, AdamW, linear decay, global grad-norm clipping, a validation pass after each epoch
/// with the best checkpoint kept, a log line per step (train_log.jsonl), and resumable state in OUT/.state/.
/// Determinism: the data order of epoch e comes from (seed, e) and the random stream of step s (dropout) from
/// (seed, s), and the optimizer state is saved exactly, so a resumed run reaches the same weights as an uninterrupted one.
/// </summary>
public static class TrainLoop
{
    const string StateDir = ".state";
    static readonly JsonSerializerOptions StateJson = new() { NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals };

    sealed record State(long Step, int Epoch, int BatchInEpoch, double BestLoss, int BestEpoch, string Settings,
                        List<Dictionary<string, double>> Epochs, bool Finished, bool StoppedEarly = false, long BestStep = 0,
                        Dictionary<string, double>? Carry = null);

    /// <summary>Runs the loop over <paramref name="itemCount"/> items: <paramref name="step"/> returns each batch's loss, <paramref name="evaluate"/> the validation loss that selects the kept checkpoint.</summary>
    public static TrainResult Run(CausalLM model, ITokenizer tok, int itemCount, Func<StepContext, StepOutput> step,
        Func<EvalOutput>? evaluate, TrainerOptions opts, string outDir, string settingsFingerprint,
        IProgress<TrainingProgress>? progress = null, CancellationToken ct = default,
        Action<string>? saveExtra = null, long stopAfterSteps = long.MaxValue, bool restartOnSettingsChange = false,
        TrainCarry? carry = null)
    {
        opts.Validate();
        if (itemCount < 1) throw new InputException("there is nothing to train on (0 training rows)");
        var stateDir = Path.Combine(outDir, StateDir);
        var stateFile = Path.Combine(stateDir, "state.json");
        var logFile = Path.Combine(outDir, "train_log.jsonl");
        var eventFile = TensorBoardLog.PathIn(outDir);
        var trainable = model.UniqueParameters().Where(p => p.requires_grad).ToList(); // a tied head once, not twice
        if (trainable.Count == 0) throw new InvalidOperationException("the model has no trainable parameters");
        var optimizer = torch.optim.AdamW(trainable, opts.LearningRate, opts.Beta1, opts.Beta2, opts.Eps, opts.WeightDecay);

        int batchesPerEpoch = (itemCount + opts.BatchSize - 1) / opts.BatchSize;
        long totalSteps = (long)batchesPerEpoch * opts.Epochs;
        try { Directory.CreateDirectory(outDir); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        { throw new InputException($"cannot create the output folder ({e.Message}). Choose a writable location for `out`.", outDir, inner: e); }
        using var runLock = RunLock.Acquire(outDir); // one writer per folder: a second run is refused, never interleaved
        var state = new State(0, 0, 0, double.PositiveInfinity, -1, settingsFingerprint, new(), false);
        bool resumed = false;
        if (File.Exists(stateFile))
        {
            State? saved;
            try { saved = JsonSerializer.Deserialize<State>(File.ReadAllText(stateFile), StateJson); }
            catch (JsonException e) { throw new InputException($"the saved training state is corrupt ({e.Message}); delete {stateDir} to start over", stateFile); }
            if ((saved is null || saved.Settings != settingsFingerprint) && restartOnSettingsChange)
            {
                Reset(outDir);
                saved = null;
            }
            else if (saved is null || saved.Settings != settingsFingerprint)
                throw new InputException("this output folder holds a run with other data or settings; use another `out`, or `force` to start over", outDir);
        }
        if (File.Exists(stateFile))
        {
            var saved = JsonSerializer.Deserialize<State>(File.ReadAllText(stateFile), StateJson)!;
            if (saved.Finished && Checkpoint.IsCheckpoint(outDir))
                return new TrainResult(saved.BestEpoch, saved.BestLoss, saved.Step, true, saved.Epochs, saved.StoppedEarly, saved.BestStep);
            var snapshot = SnapshotDir(stateDir, saved.Step);
            if (!Directory.Exists(snapshot)) snapshot = stateDir; // a state saved before snapshots had their own folder
            model.load_safetensors(Path.Combine(snapshot, "model.safetensors"), strict: false);
            optimizer.load_state_dict(Path.Combine(snapshot, "optimizer.bin"));
            state = saved;
            resumed = true;
            carry?.Load(saved.Carry);
            TrimLog(logFile, state.Step);
            TensorBoardLog.Resume(eventFile, state.Step, logFile, state.Epochs); // the same cut as the log: no step plotted twice
        }
        else
        {
            if (File.Exists(logFile)) File.Delete(logFile); // a fresh start (e.g. after a kill before the first saved state) starts a fresh log
            TensorBoardLog.Start(eventFile);
        }

        var sw = Stopwatch.StartNew();
        long tokensSinceStart = 0;
        long stepsThisRun = 0;
        model.train();
        for (int epoch = state.Epoch; epoch < opts.Epochs && !state.StoppedEarly; epoch++)
        {
            var order = Permutation(itemCount, opts.Seed, epoch);
            int firstBatch = epoch == state.Epoch ? state.BatchInEpoch : 0;
            for (int bi = firstBatch; bi < batchesPerEpoch; bi++)
            {
                ct.ThrowIfCancellationRequested();
                long globalStep = state.Step;
                double lr = LearningRate(opts, globalStep, totalSteps);
                foreach (var g in optimizer.ParamGroups) g.LearningRate = lr;
                torch.manual_seed(opts.Seed * 1_000_003 + globalStep);
                var idx = order.Skip(bi * opts.BatchSize).Take(opts.BatchSize).ToArray();
                double lossValue, gradNorm = double.NaN;
                IReadOnlyDictionary<string, double>? metrics;
                long tokens;
                bool paused;
                using (var pause = GcPause.Enter()) // see GcPause: no collection may free TorchSharp's temporary Scalars mid-call
                using (var scope = NewDisposeScope())
                {
                    paused = pause.Active;
                    optimizer.zero_grad();
                    var outp = step(new StepContext(idx, epoch, bi, batchesPerEpoch));
                    lossValue = outp.Loss.to(ScalarType.Float64).item<double>();
                    if (!double.IsFinite(lossValue))
                        throw new InvalidOperationException($"the loss became {lossValue} at step {globalStep}; lower `lr` or check the data (log-ratios and outcomes)");
                    outp.Loss.backward();
                    // The norm is computed even with clipping off (an infinite cap changes nothing) so that an overflowed
                    // gradient never reaches the weights: a finite loss can still have ±∞ gradients in float32.
                    double norm = nn.utils.clip_grad_norm_(trainable, opts.MaxGradNorm > 0 ? opts.MaxGradNorm : double.PositiveInfinity);
                    if (!double.IsFinite(norm))
                        throw new InvalidOperationException($"the gradient overflowed at step {globalStep} (norm {norm}); the step was not applied, " +
                            "so the weights stay finite. The importance weights are too large for the model's float32 gradients: use self-normalized " +
                            "weights (`normalization` self), cap the log-ratios with `max_log_weight`, or lower `lr`, then rerun with `force`");
                    if (opts.MaxGradNorm > 0) gradNorm = norm;
                    optimizer.step();
                    metrics = outp.Metrics;
                    tokens = outp.Tokens;
                }
                // TorchSharp's optimizer step leaves tensor wrappers that only their finalizers free; the managed heap barely
                // grows, so without this no collection runs and native memory grows by ~0.8 MB per step on the tiny model
                // (bench/perf memory-growth check: +826 MiB over 1,800 steps before, flat after). Entering a GcPause collects
                // the whole heap, so the next step's pause does this; only a step that ran without one needs a gen-0 collection.
                if (!paused) GC.Collect(0);
                tokensSinceStart += tokens;
                state = state with { Step = globalStep + 1, Epoch = epoch, BatchInEpoch = bi + 1 };
                stepsThisRun++;
                var line = new Dictionary<string, double> { ["step"] = state.Step, ["epoch"] = epoch + (bi + 1.0) / batchesPerEpoch, ["loss"] = lossValue, ["lr"] = lr };
                if (!double.IsNaN(gradNorm)) line["grad_norm"] = gradNorm;
                if (metrics != null) foreach (var (k, v) in metrics) line[k] = v;
                AppendLog(logFile, line);
                TensorBoardLog.AppendTrain(eventFile, state.Step, line);
                var tps = tokensSinceStart / Math.Max(1e-9, sw.Elapsed.TotalSeconds);
                progress?.Report(new TrainingProgress(epoch + 1, state.Step, totalSteps, lossValue, lr, tps, metrics ?? new Dictionary<string, double>()));
                bool endOfEpoch = bi + 1 == batchesPerEpoch;
                bool evalNow = endOfEpoch || (opts.EvaluateEvery > 0 && evaluate != null && state.Step % opts.EvaluateEvery == 0);
                if (evalNow)
                {
                    var ev = evaluate?.Invoke();
                    model.train();
                    var summary = new Dictionary<string, double> { ["epoch"] = endOfEpoch ? epoch + 1 : epoch + (bi + 1.0) / batchesPerEpoch, ["step"] = state.Step, ["train_loss"] = lossValue };
                    if (ev != null)
                    {
                        summary["validation_loss"] = ev.Loss;
                        if (ev.Metrics != null) foreach (var (k, v) in ev.Metrics) summary["validation_" + k] = v;
                        progress?.Report(new TrainingProgress(epoch + 1, state.Step, totalSteps, ev.Loss, lr, tps, ev.Metrics ?? new Dictionary<string, double>(), IsValidation: true));
                        TensorBoardLog.AppendEval(eventFile, state.Step, summary);
                    }
                    var epochs = new List<Dictionary<string, double>>(state.Epochs) { summary };
                    double score = ev?.Loss ?? lossValue;
                    bool better = !opts.KeepBest || score < state.BestLoss || state.BestEpoch < 0;
                    state = state with { Epochs = epochs };
                    if (endOfEpoch) state = state with { Epoch = epoch + 1, BatchInEpoch = 0 };
                    if (better)
                    {
                        state = state with { BestLoss = score, BestEpoch = epoch + 1, BestStep = state.Step };
                        SaveWeights(model, Path.Combine(stateDir, "best.safetensors"));
                    }
                    if (endOfEpoch && ev != null && opts.StopAtValidationLoss is double target && ev.Loss <= target && epoch + 1 < opts.Epochs)
                        state = state with { StoppedEarly = true };
                    SaveState(model, optimizer, stateDir, state, carry);
                    if (state.StoppedEarly) break;
                }
                else if (state.Step % opts.CheckpointEvery == 0)
                    SaveState(model, optimizer, stateDir, state, carry);
                if (stepsThisRun >= stopAfterSteps)
                {
                    SaveState(model, optimizer, stateDir, state, carry);
                    throw new OperationCanceledException($"stopped after {stepsThisRun} steps as asked; run the same command again to resume");
                }
            }
        }

        var best = Path.Combine(stateDir, "best.safetensors");
        if (opts.KeepBest && File.Exists(best)) model.load_safetensors(best, strict: false);
        model.eval();
        Checkpoint.Save(model, tok, outDir, saveExtra, saveAdapters: true);
        var result = new TrainResult(state.BestEpoch, state.BestLoss, state.Step, resumed, state.Epochs, state.StoppedEarly, state.BestStep);
        AtomicFile.WriteAllText(Path.Combine(outDir, "training.json"), JsonSerializer.Serialize(new
        {
            best_epoch = result.BestEpoch, best_step = result.BestStep, best_validation_loss = double.IsFinite(result.BestValidationLoss) ? result.BestValidationLoss : (double?)null,
            steps = result.Steps, resumed = result.Resumed, stopped_early = result.StoppedEarly, epochs = result.Epochs, options = opts,
        }, new JsonSerializerOptions { WriteIndented = true }));
        state = state with { Finished = true };
        AtomicFile.WriteAllText(stateFile, JsonSerializer.Serialize(state, StateJson));
        return result;
    }

    /// <summary>Linear warmup (optional) then linear decay from the peak rate to 0 at the last step, as HF's default schedule.</summary>
    public static double LearningRate(TrainerOptions o, long step, long total)
    {
        if (o.WarmupSteps > 0 && step < o.WarmupSteps) return o.LearningRate * (step + 1) / o.WarmupSteps;
        var decaySteps = Math.Max(1, total - o.WarmupSteps);
        return o.LearningRate * Math.Max(0.0, (double)(total - step) / decaySteps);
    }

    /// <summary>The seeded order of items in one epoch (Fisher–Yates with a per-epoch seed). The same in every process:
    /// the seed is mixed with SplitMix64, not <see cref="HashCode"/>, whose output is randomized per process.</summary>
    public static int[] Permutation(int n, long seed, int epoch)
    {
        var rng = new Random(EpochSeed(seed, epoch));
        var p = Enumerable.Range(0, n).ToArray();
        for (int i = n - 1; i > 0; i--) { int j = rng.Next(i + 1); (p[i], p[j]) = (p[j], p[i]); }
        return p;
    }

    static int EpochSeed(long seed, int epoch)
    {
        unchecked
        {
            ulong z = (ulong)seed * 0x9E3779B97F4A7C15UL + (ulong)(uint)epoch * 0xD1B54A32D192ED03UL + 0x5EEDUL;
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
            return (int)((z ^ (z >> 31)) & 0x7FFFFFFF);
        }
    }

    static void SaveWeights(CausalLM model, string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        AtomicFile.WriteVia(path, tmp => model.save_safetensors(tmp)); // no temporary file survives a failure (e.g. a full disk)
    }

    /// <summary>Where the weights and optimizer state of step <paramref name="step"/> are kept.</summary>
    static string SnapshotDir(string stateDir, long step) => Path.Combine(stateDir, $"step-{step}");

    /// <summary>
    /// Saves a resumable state. Weights and optimizer go to a folder of their own step, and state.json, written last and
    /// atomically, commits it: a crash at any point leaves state.json naming a complete snapshot whose weights and
    /// optimizer belong to the same step (never new weights with an older optimizer). Older snapshots are then removed.
    /// </summary>
    static void SaveState(CausalLM model, TorchSharp.Modules.OptimizerHelper optimizer, string dir, State state, TrainCarry? carry)
    {
        state = state with { Carry = carry?.Save() };
        var snapshot = SnapshotDir(dir, state.Step);
        Directory.CreateDirectory(snapshot);
        SaveWeights(model, Path.Combine(snapshot, "model.safetensors"));
        var opt = Path.Combine(snapshot, "optimizer.bin");
        AtomicFile.WriteVia(opt, tmp => optimizer.save_state_dict(tmp));
        AtomicFile.WriteAllText(Path.Combine(dir, "state.json"), JsonSerializer.Serialize(state, StateJson)); // last: it commits the step
        foreach (var old in Directory.EnumerateDirectories(dir, "step-*").Where(d => Path.GetFullPath(d) != Path.GetFullPath(snapshot)).ToList())
            try { Directory.Delete(old, recursive: true); } catch (IOException) { }
        foreach (var legacy in new[] { "model.safetensors", "optimizer.bin" })
            if (File.Exists(Path.Combine(dir, legacy))) File.Delete(Path.Combine(dir, legacy));
    }

    static void AppendLog(string path, Dictionary<string, double> line)
    {
        var clean = line.ToDictionary(kv => kv.Key, kv => double.IsFinite(kv.Value) ? (double?)kv.Value : null);
        File.AppendAllText(path, JsonSerializer.Serialize(clean) + "\n");
    }

    /// <summary>After a resume, drops log lines of steps that were done after the last saved state (they will be redone).</summary>
    static void TrimLog(string path, long step)
    {
        if (!File.Exists(path)) return;
        var keep = File.ReadAllLines(path).Where(l =>
        {
            try { return JsonDocument.Parse(l).RootElement.GetProperty("step").GetDouble() <= step; }
            catch { return false; }
        });
        AtomicFile.WriteAllText(path, string.Join("", keep.Select(l => l + "\n")));
    }

    /// <summary>
    /// Deletes a previous run's resumable state and outputs (for a forced rerun). The final model goes first, its configs
    /// before anything else (config.json first, so that the folder never looks like a bare Hugging Face folder): a kill at
    /// any point leaves a folder that no longer loads as the old model, never the old model beside a new run's state.
    /// </summary>
    public static void Reset(string outDir)
    {
        foreach (var f in new[] { HfFormat.ConfigFile, Checkpoint.ConfigFile, Checkpoint.ChecksumFile, Checkpoint.WeightsFile, Text.Tokenizers.ConfigFile,
                     HfFormat.GenerationConfigFile, Text.HfTokenizerFiles.ConfigFile, Text.HfTokenizerFiles.SpecialTokensFile, ModelCard.FileName,
                     Text.TokenizerJson.FileName, "vocab.json", "merges.txt",
                     LoraAdapters.WeightsFile, LoraAdapters.ConfigFile, "run.json" })
            if (File.Exists(Path.Combine(outDir, f))) File.Delete(Path.Combine(outDir, f));
        var s = Path.Combine(outDir, StateDir);
        if (Directory.Exists(s)) Directory.Delete(s, true);
        foreach (var f in new[] { "train_log.jsonl", "training.json" })
            if (File.Exists(Path.Combine(outDir, f))) File.Delete(Path.Combine(outDir, f));
        var tb = TensorBoardLog.PathIn(outDir);
        if (File.Exists(tb)) File.Delete(tb);
    }
}
