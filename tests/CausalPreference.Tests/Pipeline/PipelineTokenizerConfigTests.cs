using CausalPreference.IO;
using CausalPreference.Pipeline;
using CausalPreference.Text;

namespace CausalPreference.Tests.Pipeline;

public class PipelineTokenizerConfigTests
{
    const string File = """{ "data": { "path": "x.csv", "outcome": "y", "direction": "higher" }, "model": MODEL }""";
    static PipelineConfig Parse(string model, string source = "file") =>
        PipelineConfig.Parse(source == "world" ? $$"""{ "data": { "source": "world" }, "model": {{model}} }""" : File.Replace("MODEL", model), ".");

    [Fact]
    public void FileDataLearnsItsTokenizerAndTheWorldKeepsBytes()
    {
        Assert.Equal(new ScratchTokenizer(ScratchTokenizer.Learned, BpeLearner.DefaultVocabSize), Parse("""{ "base": "tiny" }""").ScratchTokenizerFor(world: false));
        Assert.Equal(ScratchTokenizer.Bytes, Parse("""{ "base": "tiny" }""", "world").ScratchTokenizerFor(world: true).Kind);
        Assert.Equal(new ScratchTokenizer(ScratchTokenizer.Learned, 512),
            Parse("""{ "base": "tiny", "tokenizer": "learned", "vocab_size": 512 }""", "world").ScratchTokenizerFor(world: true));
        Assert.Equal(ScratchTokenizer.Bytes, Parse("""{ "base": "tiny", "tokenizer": "bytes" }""").ScratchTokenizerFor(world: false).Kind);
    }

    [Theory]
    [InlineData("""{ "base": "tiny", "tokenizer": "words" }""", "model.tokenizer must be \"learned\"")]
    [InlineData("""{ "base": "tiny", "vocab_size": 100 }""", "model.vocab_size must be between 257")]
    [InlineData("""{ "base": "some/folder", "tokenizer": "bytes" }""", "a pretrained base keeps its own tokenizer")]
    public void BadTokenizerSettingsAreRefused(string model, string message)
    {
        var e = Assert.Throws<InputException>(() => Parse(model));
        Assert.Contains(message, e.Message);
    }
}
