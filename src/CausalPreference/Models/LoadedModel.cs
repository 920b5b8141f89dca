using CausalPreference.Text;
using TorchSharp;

namespace CausalPreference.Models;

/// <summary>
/// A model and its tokenizer, owned by the caller: dispose it (<c>using var m = LoadedModel.Open(path)</c>) so that a
/// large model's weights (on a GPU, gigabytes) are freed when the caller is done, not when the finalizer runs.
/// Deconstructs like the tuple <see cref="Checkpoint.Load"/> returns: <c>var (model, tok) = m;</c>.
/// </summary>
public sealed class LoadedModel : IDisposable
{
    /// <summary>The model; disposed with this object.</summary>
    public CausalLM Model { get; }
    /// <summary>The model's tokenizer (holds no native resources).</summary>
    public ITokenizer Tokenizer { get; }

    /// <summary>Takes ownership of <paramref name="model"/>: disposing this object disposes it.</summary>
    public LoadedModel(CausalLM model, ITokenizer tokenizer) { Model = model; Tokenizer = tokenizer; }

    /// <summary>Loads a checkpoint or Hugging Face folder (see <see cref="Checkpoint.Load"/>).</summary>
    public static LoadedModel Open(string path, torch.Device? device = null)
    {
        var (model, tok) = Checkpoint.Load(path, device);
        return new LoadedModel(model, tok);
    }

    /// <summary>A built-in model created from scratch, or a loaded one (see <see cref="Checkpoint.LoadOrCreate"/>).</summary>
    public static LoadedModel OpenOrCreate(string spec, torch.Device? device = null, long seed = 0, ITokenizer? scratchTokenizer = null)
    {
        var (model, tok) = Checkpoint.LoadOrCreate(spec, device, seed, scratchTokenizer);
        return new LoadedModel(model, tok);
    }

    /// <summary>The model and its tokenizer, as <c>var (model, tok) = m;</c> (ownership stays with this object).</summary>
    public void Deconstruct(out CausalLM model, out ITokenizer tokenizer) { model = Model; tokenizer = Tokenizer; }

    /// <summary>Disposes the model, freeing its weights (CPU or GPU memory) now.</summary>
    public void Dispose() => Model.Dispose();
}
