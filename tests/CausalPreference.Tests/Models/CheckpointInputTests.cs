using System.Security.Cryptography;
using System.Text.Json;
using CausalPreference.Models;
using CausalPreference.Text;

namespace CausalPreference.Tests.Models;

/// <summary>Missing, truncated, corrupt or mismatched checkpoint files, through score, generate, sft and train:
/// refused with exit code 2, naming the file and saying what to do, and leaving no output behind.</summary>
public sealed class CheckpointInputTests : IDisposable
{
    readonly Workspace _ws = new();
    readonly string _model;
    readonly string _data;
    string OutCsv => _ws.Path("result.csv");
    string OutDir => _ws.Path("out");

    public CheckpointInputTests()
    {
        _model = _ws.MicroCheckpoint();
        _data = _ws.Text("texts.csv", "text,y\nthe cat sat,1\na dog ran,2\na bird flew,3\nthe fish swam,2\n");
    }

    public void Dispose() => _ws.Dispose();

    string Weights => Path.Combine(_model, Checkpoint.WeightsFile);
    string Config => Path.Combine(_model, Checkpoint.ConfigFile);
    string Sums => Path.Combine(_model, Checkpoint.ChecksumFile);
    string TokenizerFile => Path.Combine(_model, Tokenizers.ConfigFile);

    CliResult Score() => CliRunner.Run("score", "--data", _data, "--model", _model, "--out", OutCsv);
    CliResult Generate() => CliRunner.Run("generate", "--model", _model, "--n", "2", "--out", OutCsv);

    void Refused(CliResult r, string file, string advice) => Refusal.Assert(r, _ws, file, null, null, advice, OutCsv, OutDir);

    /// <summary>Recomputes checksums.json so that only the deliberate inconsistency remains.</summary>
    void Reseal()
    {
        var names = new[] { Checkpoint.WeightsFile, Checkpoint.ConfigFile, Tokenizers.ConfigFile };
        var sums = names.ToDictionary(n => n, n => Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(Path.Combine(_model, n)))).ToLowerInvariant());
        File.WriteAllText(Sums, JsonSerializer.Serialize(sums));
    }

    [Fact]
    public void IntactCheckpointScores()
    {
        var r = Score();
        Assert.True(r.Exit == 0, r.ToString());
        Assert.Equal(5, File.ReadAllLines(OutCsv).Length);
    }

    [Fact]
    public void NonFiniteWeightsAreRefusedNamingTheTensor()
    {
        // a checkpoint whose weights hold NaN (checksums resealed, so only the values are wrong)
        var (m, tok) = Checkpoint.Load(_model);
        using (TorchSharp.torch.no_grad())
        {
            var (name, p) = m.named_parameters().First(kv => kv.name.Contains("wte") || kv.name.Contains("embed"));
            p.index_put_(TorchSharp.torch.tensor(float.NaN), TorchSharp.torch.TensorIndex.Single(0), TorchSharp.torch.TensorIndex.Single(0));
            Checkpoint.Save(m, tok, _model);
            Reseal();
            foreach (var r in new[] { Score(), Generate() })
            {
                Refused(r, _model, "retrain it or restore a good copy");
                Assert.Contains($"tensor '{name}'", r.Err);
            }
        }
    }

    [Fact]
    public void MissingWeights()
    {
        File.Delete(Weights);
        Refused(Score(), _model, "model.safetensors");
    }

    [Fact]
    public void TruncatedWeightsFailTheChecksum()
    {
        var b = File.ReadAllBytes(Weights);
        File.WriteAllBytes(Weights, b[..(b.Length / 2)]);
        Refused(Score(), Weights, "re-run the step that wrote it");
    }

    [Fact]
    public void TruncatedWeightsWithoutChecksumsDoNotLoad()
    {
        var b = File.ReadAllBytes(Weights);
        File.WriteAllBytes(Weights, b[..(b.Length - 100)]);
        File.Delete(Sums);
        Refused(Generate(), Weights, "corrupt");
    }

    [Fact]
    public void FlippedByteFailsTheChecksum()
    {
        var b = File.ReadAllBytes(Weights);
        b[^10] ^= 0x40;
        File.WriteAllBytes(Weights, b);
        Refused(Generate(), Weights, "does not match its checksum");
    }

    [Fact]
    public void GarbageConfigFailsTheChecksum()
    {
        File.WriteAllText(Config, "{{{ not json");
        Refused(Score(), Config, "does not match its checksum");
    }

    [Fact]
    public void GarbageConfigWithMatchingChecksum()
    {
        File.WriteAllText(Config, "{{{ not json");
        Reseal();
        Refused(Score(), Config, "re-save the model");
    }

    [Fact]
    public void CorruptChecksumFile()
    {
        File.WriteAllText(Sums, "[1, 2");
        Refused(Score(), Sums, "re-save the model");
    }

    [Fact]
    public void TokenizerThatDoesNotMatchTheModel()
    {
        File.WriteAllText(TokenizerFile, "{\"kind\":\"gpt2\"}");
        Reseal();
        var r = Generate();
        Refused(r, _model, "do not belong together");
        Assert.Contains("gpt2", r.Err);
    }

    [Fact]
    public void NonexistentModel()
    {
        var m = _ws.Path("nowhere");
        Refused(CliRunner.Run("score", "--data", _data, "--model", m, "--out", OutCsv), m, "give a checkpoint folder");
    }

    [Fact]
    public void EmptyFolderIsNotAModel()
    {
        var m = _ws.Path("empty");
        Directory.CreateDirectory(m);
        Refused(CliRunner.Run("generate", "--model", m, "--n", "1", "--out", OutCsv), m, "expected causalpo_config.json");
    }

    [Fact]
    public void CorruptBaseForSft()
    {
        var b = File.ReadAllBytes(Weights);
        File.WriteAllBytes(Weights, b[..(b.Length / 3)]);
        Refused(CliRunner.Run("sft", "--data", _data, "--base", _model, "--out", OutDir, "--epochs", "1"), Weights, "re-run the step that wrote it");
    }

    [Fact]
    public void CorruptModelForTrain()
    {
        File.WriteAllText(Config, "garbage");
        var r = CliRunner.Run("train", "--data", _data, "--outcome-column", "y", "--higher-is-better", "--model", _model, "--objective", "cpo",
            "--out", OutDir, "--log-propensity-column", "");
        Refused(r, Config, "does not match its checksum");
    }
}
