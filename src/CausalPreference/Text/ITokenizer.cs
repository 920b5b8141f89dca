namespace CausalPreference.Text;

/// <summary>
/// One interface for every tokenizer. <see cref="Encode"/> returns the ids of a text without BOS/EOS;
/// models add BOS in front and EOS at the end themselves (see <see cref="Models.TokenBatch"/>).
/// </summary>
public interface ITokenizer
{
    /// <summary>Short name written into checkpoint folders ("byte", "gpt2", ...).</summary>
    string Kind { get; }
    int VocabSize { get; }
    int BosId { get; }
    int EosId { get; }
    /// <summary>Padding id. Padding never contributes to scores or losses (masked), so it may equal another special id.</summary>
    int PadId { get; }
    int[] Encode(string text);
    string Decode(IReadOnlyList<int> ids);
    /// <summary>Writes whatever files <see cref="Tokenizers.Load"/> needs into <paramref name="dir"/>.</summary>
    void Save(string dir);
}
