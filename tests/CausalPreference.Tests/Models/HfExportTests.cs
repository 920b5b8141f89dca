using System.Text.Json;
using CausalPreference.IO;
using CausalPreference.Models;
using CausalPreference.Text;
using static TorchSharp.torch;
using static CausalPreference.Tests.Models.Fixtures;

namespace CausalPreference.Tests.Models;

/// <summary>
/// <c>causalpo export</c>: a checkpoint folder (causalpo format: nn.Linear layouts, causalpo_config.json) becomes a Hugging
/// Face folder. Checked here without Python: the safetensors header against transformers' GPT-2 convention (Conv1D
/// weights [in, out], c_attn [n_embd, 3·n_embd]; the square attn.c_proj really transposed), the reload through the HF
/// reader with identical log-probabilities, and the synthesized byte-level tokenizer.json read by the tool's own
/// implementation of the Hugging Face tokenizer algorithm, which must encode exactly as the byte tokenizer.
/// </summary>
[Collection(TorchSerialCollection.Name)]
public class HfExportTests
{
    static readonly string[] Texts = { "the cat sat", "Café crème, naïve", "a\nb\tc  d", "emoji 🙂 and 漢字", "" };

    static string SavedCheckpoint(ModelConfig cfg, int seed)
    {
        manual_seed(seed);
        var model = ModelFactory.Create(cfg);
        var dir = TempDir();
        Checkpoint.Save(model, new ByteTokenizer(), dir);
        return dir;
    }

    static string NewOut() => Path.Combine(TempDir(), "hf");

    [Fact]
    public void Gpt2CheckpointExportsInConv1DLayoutAndReloadsWithIdenticalScores()
    {
        var ckpt = SavedCheckpoint(ModelConfig.Micro, 41);
        var (model, tok) = Checkpoint.Load(ckpt);
        var before = SequenceScorer.Score(model, tok, Texts);
        var outDir = NewOut();
        HfExport.Export(ckpt, outDir, new HfExportOptions());

        using var cfg = JsonDocument.Parse(File.ReadAllText(Path.Combine(outDir, "config.json")));
        Assert.Equal("gpt2", cfg.RootElement.GetProperty("model_type").GetString());
        Assert.Equal("GPT2LMHeadModel", cfg.RootElement.GetProperty("architectures")[0].GetString());
        var header = ReadHeader(Path.Combine(outDir, "model.safetensors"));
        Assert.Equal(new long[] { 32, 96 }, header["transformer.h.0.attn.c_attn.weight"].shape); // [n_embd, 3·n_embd]
        Assert.Equal(new long[] { 32, 128 }, header["transformer.h.0.mlp.c_fc.weight"].shape);
        Assert.Equal(new long[] { 128, 32 }, header["transformer.h.0.mlp.c_proj.weight"].shape);
        Assert.False(File.Exists(Path.Combine(outDir, Checkpoint.ConfigFile)), "the export is a Hugging Face folder, not a causalpo checkpoint");

        // the square c_proj: Conv1D computes x·W, nn.Linear x·Wᵀ, so the file must hold the transpose of the Linear weight
        var linear = model.state_dict()["transformer.h.0.attn.c_proj.weight"];
        using (var st = SafeTensorsFile.Open(Path.Combine(outDir, "model.safetensors")))
        using (var conv = st.ReadFloat32("transformer.h.0.attn.c_proj.weight"))
        {
            Assert.True(conv.equal(linear.t()).all().item<bool>(), "attn.c_proj is not stored [in, out]");
            Assert.False(conv.equal(linear).all().item<bool>(), "the fixture's c_proj is symmetric: the check would prove nothing");
            using var x = randn(3, 32);
            Assert.True((x.matmul(conv) - x.matmul(linear.t())).abs().max().item<float>() < 1e-6);
        }

        var (loaded, loadedTok) = Checkpoint.Load(outDir);
        Assert.Equal(before, SequenceScorer.Score(loaded, loadedTok, Texts));
        using var gen = JsonDocument.Parse(File.ReadAllText(Path.Combine(outDir, "generation_config.json")));
        Assert.Equal(256, gen.RootElement.GetProperty("bos_token_id").GetInt32());
        Assert.Equal(257, gen.RootElement.GetProperty("eos_token_id").GetInt32());
        var card = File.ReadAllText(Path.Combine(outDir, "README.md"));
        Assert.Contains("library_name: transformers", card);
        Assert.Contains("GPT-2", card);
        Assert.DoesNotContain(Directory.GetFileSystemEntries(Path.GetDirectoryName(outDir)!), p => Path.GetFileName(p) != "hf"); // no leftovers
    }

    [Fact]
    public void TheByteTokenizerJsonEncodesExactlyAsTheByteTokenizer()
    {
        var outDir = NewOut();
        HfExport.Export(SavedCheckpoint(ModelConfig.Micro, 42), outDir, new HfExportOptions());
        var hf = TokenizerJson.Load(outDir); // the Hugging Face algorithm on the written tokenizer.json, ignoring causalpo_tokenizer.json
        var bytes = new ByteTokenizer();
        var all = Texts.Concat(new[] { "\u00ff\u0100 \u0000\u007f", string.Concat(Enumerable.Range(1, 255).Select(i => (char)i)), "  leading and trailing  " });
        foreach (var t in all) Assert.Equal(bytes.Encode(t), hf.Encode(t));
        Assert.Equal((256, 257, 259), (hf.BosId, hf.EosId, hf.VocabSize));
        foreach (var t in all) Assert.Equal(t, hf.Decode(bytes.Encode(t)));
        using var tc = JsonDocument.Parse(File.ReadAllText(Path.Combine(outDir, "tokenizer_config.json")));
        Assert.True(tc.RootElement.GetProperty("split_special_tokens").GetBoolean());
        Assert.Equal("byte", Tokenizers.Load(outDir).Kind); // the tool itself keeps using the exact byte tokenizer
    }

    [Fact]
    public void LlamaCheckpointExportsAsLlamaAndReloadsWithIdenticalScores()
    {
        var ckpt = SavedCheckpoint(TinyLlama, 43);
        var (model, tok) = Checkpoint.Load(ckpt);
        var outDir = NewOut();
        HfExport.Export(ckpt, outDir, new HfExportOptions());
        using var cfg = JsonDocument.Parse(File.ReadAllText(Path.Combine(outDir, "config.json")));
        Assert.Equal("llama", cfg.RootElement.GetProperty("model_type").GetString());
        Assert.Equal(new long[] { 8, 16 }, ReadHeader(Path.Combine(outDir, "model.safetensors"))["model.layers.0.self_attn.k_proj.weight"].shape);
        var (loaded, loadedTok) = Checkpoint.Load(outDir);
        Assert.Equal(SequenceScorer.Score(model, tok, Texts), SequenceScorer.Score(loaded, loadedTok, Texts));
    }

    /// <summary>A LoRA run on a Hugging Face base: the run's adapter_config.json names the base, and both exports (the
    /// adapter alone, loaded back through the PEFT loader, and the merged model) score as the run.</summary>
    [Fact]
    public void LoraRunExportsAsAnAdapterNamingItsBaseAndAsAMergedModel()
    {
        manual_seed(44);
        var baseDir = TempDir();
        HfFormat.Save(ModelFactory.Create(TinyLlama), new ByteTokenizer(), baseDir);
        var (model, tok) = Checkpoint.Load(baseDir);
        LoraAdapters.Attach(model, new LoraOptions { Rank = 2, Alpha = 4, Dropout = 0.0 });
        using (no_grad())
            foreach (var (name, p) in model.named_parameters())
                if (name.EndsWith("lora_B")) p.copy_(randn_like(p) * 0.3); // a trained-looking adapter: B ≠ 0
        var adapted = SequenceScorer.Score(model, tok, Texts);
        var run = TempDir();
        Checkpoint.Save(model, tok, run, saveAdapters: true);
        Assert.Equal(Path.GetFullPath(baseDir), LoraAdapters.BaseModelOf(run)); // was null: PEFT could not find the base

        var adapterOut = NewOut();
        var r = HfExport.Export(run, adapterOut, new HfExportOptions { Adapter = true });
        Assert.Empty(r.Notes);
        Assert.False(File.Exists(Path.Combine(adapterOut, "config.json")));
        Assert.Equal(Path.GetFullPath(baseDir), LoraAdapters.BaseModelOf(adapterOut));
        var (viaPeft, _) = Checkpoint.Load(adapterOut);
        Assert.True(LoraAdapters.HasAdapters(viaPeft));
        var a = SequenceScorer.Score(viaPeft, tok, Texts);
        for (int i = 0; i < Texts.Length; i++) Assert.Equal(adapted[i], a[i], 4);
        Assert.Contains("library_name: peft", File.ReadAllText(Path.Combine(adapterOut, "README.md")));

        var mergedOut = NewOut();
        Assert.True(HfExport.Export(run, mergedOut, new HfExportOptions()).MergedLora);
        var m = SequenceScorer.Score(Checkpoint.Load(mergedOut).model, tok, Texts);
        for (int i = 0; i < Texts.Length; i++) Assert.Equal(adapted[i], m[i], 4);

        var named = NewOut();
        HfExport.Export(run, named, new HfExportOptions { Adapter = true, BaseModel = "some-org/some-model" });
        Assert.Equal("some-org/some-model", LoraAdapters.BaseModelOf(named));
        Assert.Contains("base_model: some-org/some-model", File.ReadAllText(Path.Combine(named, "README.md")));
    }

    [Fact]
    public void BadRequestsFailClearlyAndLeaveNothingBehind()
    {
        var ckpt = SavedCheckpoint(ModelConfig.Micro, 45);
        var outDir = NewOut();
        HfExport.Export(ckpt, outDir, new HfExportOptions());
        var e = Assert.Throws<InputException>(() => HfExport.Export(ckpt, outDir, new HfExportOptions()));
        Assert.Contains("`force`", e.Message); // the library names the parameter; the CLI spells it --force (below)
        File.WriteAllText(Path.Combine(outDir, "stale.txt"), "old");
        HfExport.Export(ckpt, outDir, new HfExportOptions { Force = true });
        Assert.False(File.Exists(Path.Combine(outDir, "stale.txt")), "--force replaces the folder whole");

        e = Assert.Throws<InputException>(() => HfExport.Export(ckpt, NewOut(), new HfExportOptions { Adapter = true }));
        Assert.Contains("LoRA", e.Message);

        // GPT-2's built-in tokenizer has no exact tokenizer.json here: refused, naming the way out, and no folder appears
        manual_seed(46);
        var gpt2Dir = TempDir();
        Checkpoint.Save(ModelFactory.Create(ModelConfig.Micro with { VocabSize = 50257, Tokenizer = "gpt2" }), new Gpt2Tokenizer(), gpt2Dir);
        var target = NewOut();
        e = Assert.Throws<InputException>(() => HfExport.Export(gpt2Dir, target, new HfExportOptions()));
        Assert.Contains("`tokenizer_from`", e.Message);
        Assert.False(Directory.Exists(target));
        Assert.Empty(Directory.GetFileSystemEntries(Path.GetDirectoryName(target)!));
    }

    [Fact]
    public void TheExportVerbExitsTwoOnBadInputAndWritesTheFolder()
    {
        var ckpt = SavedCheckpoint(ModelConfig.Micro, 47);
        var outDir = NewOut();
        Assert.Equal(0, CausalPreference.Tests.Evaluation.OffPolicy.EvalFixture.Run("export", "--model", ckpt, "--out", outDir).Code);
        Assert.True(File.Exists(Path.Combine(outDir, "model.safetensors")));
        var (code, err) = CausalPreference.Tests.Evaluation.OffPolicy.EvalFixture.Run("export", "--model", ckpt, "--out", outDir);
        Assert.Equal(2, code);
        Assert.Contains("--force", err);
        Assert.Equal(2, CausalPreference.Tests.Evaluation.OffPolicy.EvalFixture.Run("export", "--model", Path.Combine(ckpt, "nope"), "--out", NewOut()).Code);
    }
}
