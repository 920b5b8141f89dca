using CausalPreference.Text;

namespace CausalPreference.Perf;

/// <summary>
/// A tokenizer over arbitrary ids for benchmarks: id i is the character U+0100+i. Its end-of-sequence id is −1,
/// which a model can never sample, so generation always runs to its token limit and both sides of the comparison
/// generate exactly the same number of tokens. BOS is the last id of the vocabulary.
/// </summary>
sealed class SyntheticTokenizer(int vocab) : ITokenizer
{
    public string Kind => "synthetic";
    public int VocabSize => vocab;
    public int BosId => vocab - 1;
    public int EosId => -1;
    public int PadId => 0;
    public int[] Encode(string text) => text.Select(c => c - 0x100).ToArray();
    public string Decode(IReadOnlyList<int> ids) => new(ids.Select(i => (char)(0x100 + i)).ToArray());
    public void Save(string dir) => throw new NotSupportedException("the benchmark tokenizer is not saved");
}
