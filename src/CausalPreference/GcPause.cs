using System.Runtime;

namespace CausalPreference;

/// <summary>
/// Keeps the garbage collector from starting while a block of TorchSharp calls runs.
/// <para>
/// Why: TorchSharp 0.107 turns numbers into native <c>Scalar</c> objects on the fly — <c>a + b</c> on tensors calls
/// <c>add(b, 1)</c>, and AdamW passes <c>1 - β</c> the same way — and hands only the native pointer to libtorch. From
/// then on nothing managed refers to that Scalar, so a collection that starts while libtorch is still working (started by
/// any other thread that allocates, such as the progress display) may finalize it and free the native value under
/// libtorch's feet. The symptom is rare and fatal: "Expected false to be true … toFloat (Scalar.h)" inside
/// THSTensor_add. Inside a no-GC region no collection can start, so no such Scalar is freed early; the dead ones are
/// collected when the region ends.
/// </para>
/// A region that runs out of its allowance simply ends (the runtime collects as usual); nested regions are no-ops.
/// Entering costs one blocking collection of the (small) managed heap, so use it around work of milliseconds or more.
/// </summary>
public readonly struct GcPause : IDisposable
{
    /// <summary>Managed bytes the block may allocate before the runtime may collect again.</summary>
    public const long DefaultAllowance = 64L << 20;

    readonly bool _entered;

    GcPause(bool entered) => _entered = entered;

    /// <summary>Starts a no-GC region (or does nothing if one is already in effect or the runtime refuses).</summary>
    public static GcPause Enter(long allowanceBytes = DefaultAllowance)
    {
        if (GCSettings.LatencyMode == GCLatencyMode.NoGCRegion) return new GcPause(false);
        try { return new GcPause(GC.TryStartNoGCRegion(allowanceBytes)); }
        catch (ArgumentOutOfRangeException) { return new GcPause(false); } // allowance larger than the runtime allows
        catch (InvalidOperationException) { return new GcPause(false); }   // entered concurrently elsewhere
    }

    /// <summary>Whether this pause holds a no-GC region (false when nested or refused).</summary>
    public bool Active => _entered;

    /// <summary>Ends the no-GC region this pause entered; a no-op when it entered none or the region already ended by
    /// running out of its allowance.</summary>
    public void Dispose()
    {
        if (!_entered || GCSettings.LatencyMode != GCLatencyMode.NoGCRegion) return; // ended early: the allowance ran out
        try { GC.EndNoGCRegion(); }
        catch (InvalidOperationException) { } // the region ended by itself (a collection was needed)
    }
}
