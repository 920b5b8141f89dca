using System.Text.Json.Nodes;
using CausalPreference.Models;
using CausalPreference.Text;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace CausalPreference.Tests.Models;

/// <summary>
/// The folders sft and train write are Hugging Face folders first: config.json with model_type, weights in transformers'
/// names and layouts (GPT-2's Conv1D projections [in, out]), tokenizer files, with the tool's metadata beside them.
/// The layout is checked by reading the safetensors header by hand (<see cref="Fixtures.ReadHeader"/>), and the folder is
/// read back by the plain Hugging Face loader, which ignores the tool's own files.
/// </summary>
[Collection(TorchSerialCollection.Name)]
public class CheckpointHfLayoutTests
{
    static readonly string[] Texts = { "hello world", "the cat sat on the mat", "a" };

    static CausalLM Micro(int seed) { manual_seed(seed); return ModelFactory.Create(ModelConfig.Micro); }

    [Fact]
    public void Gpt2CheckpointIsAHuggingFaceFolderWithConv1DLayout()
    {
        var model = Micro(3);
        var dir = Fixtures.TempDir();
        Checkpoint.Save(model, new ByteTokenizer(), dir);

        var cfg = JsonNode.Parse(File.ReadAllText(Path.Combine(dir, "config.json")))!.AsObject();
        Assert.Equal("gpt2", cfg["model_type"]!.GetValue<string>());
        Assert.Equal("GPT2LMHeadModel", cfg["architectures"]![0]!.GetValue<string>());
        Assert.Equal("float32", cfg["torch_dtype"]!.GetValue<string>());
        Assert.Equal(ModelConfig.Micro.Dim, cfg["n_embd"]!.GetValue<int>());
        foreach (var f in new[] { "generation_config.json", "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", Checkpoint.ConfigFile })
            Assert.True(File.Exists(Path.Combine(dir, f)), f + " missing");

        int d = ModelConfig.Micro.Dim;
        var header = Fixtures.ReadHeader(Path.Combine(dir, Checkpoint.WeightsFile));
        Assert.Equal(new long[] { d, 3 * d }, header["transformer.h.0.attn.c_attn.weight"].shape); // Conv1D: [in, out]
        Assert.Equal(new long[] { d, 4 * d }, header["transformer.h.0.mlp.c_fc.weight"].shape);
        Assert.DoesNotContain("lm_head.weight", header.Keys); // tied to the embedding, as transformers stores it

        // the square attn.c_proj is stored transposed relative to nn.Linear's [out, in]: compare values, not shapes
        var stored = new Dictionary<string, Tensor>();
        using (var f = SafeTensorsFile.Open(Path.Combine(dir, Checkpoint.WeightsFile)))
            stored["c_proj"] = f.ReadFloat32("transformer.h.0.attn.c_proj.weight");
        var linear = model.state_dict()["transformer.h.0.attn.c_proj.weight"];
        Assert.True(stored["c_proj"].allclose(linear.t()), "attn.c_proj must be stored as [in, out]");
        Assert.False(stored["c_proj"].allclose(linear), "a random square matrix equal to its transpose would make this test vacuous");
    }

    [Fact]
    public void HfLayoutCheckpointScoresTheSameThroughBothLoaders()
    {
        var model = Micro(4);
        var dir = Fixtures.TempDir();
        Checkpoint.Save(model, new ByteTokenizer(), dir);
        var expected = SequenceScorer.Score(model, new ByteTokenizer(), Texts);

        var (viaCheckpoint, tok) = Checkpoint.Load(dir);
        Assert.Equal("byte", tok.Kind);
        Assert.Equal(expected, SequenceScorer.Score(viaCheckpoint, tok, Texts));

        // what another library sees: only config.json, model.safetensors and tokenizer.json
        var plain = Fixtures.TempDir();
        foreach (var f in new[] { "config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json" })
            File.Copy(Path.Combine(dir, f), Path.Combine(plain, f));
        var (viaHf, hfTok) = HfFormat.Load(plain);
        Assert.Equal("hf", hfTok.Kind);
        foreach (var t in Texts) Assert.Equal(tok.Encode(t), hfTok.Encode(t));
        var got = SequenceScorer.Score(viaHf, hfTok, Texts);
        for (int i = 0; i < Texts.Length; i++) Assert.Equal(expected[i], got[i], 4);
    }

    [Fact]
    public void FolderWithoutConfigJsonStillLoadsInTheOldLayout()
    {
        // a checkpoint from before the Hugging Face layout: nn.Linear layout, lm_head included, no config.json
        var model = Micro(5);
        var dir = Fixtures.TempDir();
        model.save_safetensors(Path.Combine(dir, Checkpoint.WeightsFile));
        File.WriteAllText(Path.Combine(dir, Checkpoint.ConfigFile), model.Config.ToJson());
        new ByteTokenizer().Save(dir);
        Assert.Equal(new long[] { 3 * ModelConfig.Micro.Dim, ModelConfig.Micro.Dim },
            Fixtures.ReadHeader(Path.Combine(dir, Checkpoint.WeightsFile))["transformer.h.0.attn.c_attn.weight"].shape);

        var (loaded, tok) = Checkpoint.Load(dir);
        Assert.Equal(SequenceScorer.Score(model, tok, Texts), SequenceScorer.Score(loaded, tok, Texts));
    }

    [Fact]
    public void LoraRunNamesItsBaseAndTheAdapterFolderLoadsOnIt()
    {
        var baseDir = Fixtures.TempDir();
        Checkpoint.Save(Micro(6), new ByteTokenizer(), baseDir);
        var (model, tok) = Checkpoint.Load(baseDir);
        LoraAdapters.Attach(model, new LoraOptions { Rank = 2, Alpha = 4 });
        using (no_grad())
            foreach (var (name, p) in model.named_parameters())
                if (name.EndsWith("lora_B")) p.normal_(0, 0.05); // a trained adapter is nonzero
        var run = Fixtures.TempDir();
        Checkpoint.Save(model, tok, run, saveAdapters: true);
        Assert.Equal(Path.GetFullPath(baseDir), LoraAdapters.BaseModelOf(run));

        // the adapter files alone, as PEFT would read them, give the merged run's scores
        var adapterOnly = Fixtures.TempDir();
        foreach (var f in new[] { LoraAdapters.WeightsFile, LoraAdapters.ConfigFile })
            File.Copy(Path.Combine(run, f), Path.Combine(adapterOnly, f));
        var (viaAdapter, _) = Checkpoint.Load(adapterOnly);
        var (merged, _) = Checkpoint.Load(run);
        var a = SequenceScorer.Score(viaAdapter, tok, Texts);
        var b = SequenceScorer.Score(merged, tok, Texts);
        var baseScores = SequenceScorer.Score(Checkpoint.Load(baseDir).model, tok, Texts);
        for (int i = 0; i < Texts.Length; i++)
        {
            Assert.Equal(b[i], a[i], 4);
            Assert.NotEqual(baseScores[i], a[i], 3);
        }
    }
}
