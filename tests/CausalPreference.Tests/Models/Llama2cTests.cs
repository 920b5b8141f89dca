using CausalPreference.Models;
using CausalPreference.Text;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace CausalPreference.Tests.Models;

/// <summary>The llama2.c stories260K fixture: a real pretrained Llama-architecture model with a known greedy continuation.</summary>
[Collection(TorchSerialCollection.Name)]
public class Llama2cTests(ITestOutputHelper output)
{
    static (CausalLM model, ITokenizer tok)? Stories()
    {
        var bin = TestData.File("stories260K.bin");
        var tok = TestData.File("tok512.bin");
        return bin is null || tok is null ? null : Llama2cFormat.Load(bin, tok);
    }

    [SharedDataFact("stories260K.bin", "tok512.bin")]
    public void GreedyDecodingFromBosTellsTheKnownStory()
    {
        var (model, tok) = Stories()!.Value;
        var gen = TextGenerator.Generate(model, tok, new string?[] { null }, new SamplerSettings { Greedy = true, MaxNewTokens = 40 })[0];
        output.WriteLine(gen.Text);
        Assert.StartsWith("Once upon a time, there was a little girl named Lily.", gen.Text);
        // re-encoding the text gives back the tokens the model chose: the encoder splits text as the model was trained
        Assert.True(gen.Canonical, "re-encoding the greedy story does not give back its tokens");
    }

    [SharedDataFact("stories260K.bin", "tok512.bin")]
    public void CheckpointPathWithSiblingTokenizerLoadsThroughCheckpointLoad()
    {
        var bin = TestData.File("stories260K.bin")!;
        var (model, tok) = Checkpoint.Load(bin);
        Assert.Equal("llama2c", tok.Kind);
        Assert.Equal(512, model.Config.VocabSize);
        Assert.Equal(4, model.Config.KvHeads);
        Assert.True(model.Config.TiedEmbeddings);
    }

    [SharedDataFact("tok512.bin")]
    public void TokenizerRoundTripsAndUsesTheDummyPrefix()
    {
        var path = TestData.File("tok512.bin")!;
        var tok = Llama2cTokenizer.Load(path);
        Assert.Equal(512, tok.VocabSize);
        foreach (var s in new[] { "Once upon a time, there was a little girl.", "héllo wörld ✓", "  two  spaces\nnewline" })
            Assert.Equal(s, tok.Decode(tok.Encode(s)));
        // byte fallback: a character outside the 512-token vocabulary becomes its UTF-8 bytes (id = byte + 3)
        var ids = tok.Encode("✓");
        Assert.Equal(new[] { 0xE2 + 3, 0x9C + 3, 0x93 + 3 }, ids.Skip(ids.Length - 3).ToArray());
        Assert.Empty(tok.Encode(""));
    }
}
