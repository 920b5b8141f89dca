using System.Runtime.InteropServices;
using System.Text;

namespace CausalPreference.Text;

/// <summary>
/// Unicode normalization (NFC, NFD, NFKC, NFKD) that works although the tool runs with invariant globalization
/// (<c>InvariantGlobalization=true</c>, under which .NET's <see cref="string.Normalize(NormalizationForm)"/> silently
/// returns its input unchanged — checked on .NET 10). It calls the system's ICU library (libicuuc, present wherever the .NET
/// SDK or runtime is installed from Debian or Microsoft packages: Debian 12's libicu72) directly, through
/// <c>unorm2_normalize</c>, the routine .NET itself uses when globalization is on. Where no ICU library can be found,
/// <see cref="Normalize"/> throws <see cref="NotSupportedException"/>: a tokenizer must never silently skip its normalizer.
/// ASCII text is returned without calling ICU (every form leaves it unchanged).
/// </summary>
public static class UnicodeNormalization
{
    delegate IntPtr GetInstance(out int errorCode);
    delegate int NormalizeFn(IntPtr normalizer, IntPtr src, int length, IntPtr dest, int capacity, out int errorCode);

    sealed record Icu(NormalizeFn Normalize, IntPtr Nfc, IntPtr Nfd, IntPtr Nfkc, IntPtr Nfkd, string Library);

    static readonly Lazy<(Icu? icu, string why)> Loaded = new(Load);

    /// <summary>True when an ICU library was found and normalization works.</summary>
    public static bool IsAvailable => Loaded.Value.icu is not null;

    /// <summary>The ICU library in use, or why none could be used.</summary>
    public static string Description => Loaded.Value.icu is { } i ? i.Library : Loaded.Value.why;

    /// <summary>The normalized text; throws <see cref="NotSupportedException"/> when no ICU library is available.</summary>
    public static string Normalize(string s, NormalizationForm form)
    {
        bool ascii = true;
        foreach (var c in s) if (c >= 0x80) { ascii = false; break; }
        if (ascii) return s;
        var icu = Loaded.Value.icu ?? throw new NotSupportedException(
            $"Unicode normalization ({form}) needs the ICU library, which was not found ({Loaded.Value.why}); " +
            "install it (Debian/Ubuntu: apt-get install libicu72 or the libicu of your release)");
        var instance = form switch
        {
            NormalizationForm.FormC => icu.Nfc, NormalizationForm.FormD => icu.Nfd,
            NormalizationForm.FormKC => icu.Nfkc, NormalizationForm.FormKD => icu.Nfkd,
            _ => throw new ArgumentOutOfRangeException(nameof(form)),
        };
        int capacity = Math.Max(16, s.Length * 3 + 16); // NFKD may expand a character up to 18 code units; retried if short
        for (int attempt = 0; attempt < 3; attempt++)
        {
            var src = Marshal.StringToHGlobalUni(s);
            var dest = Marshal.AllocHGlobal(capacity * 2);
            try
            {
                int n = icu.Normalize(instance, src, s.Length, dest, capacity, out int err);
                if (err == 15) { capacity = n + 1; continue; } // U_BUFFER_OVERFLOW_ERROR: n is the length needed
                if (err > 0) throw new NotSupportedException($"ICU could not normalize the text (error {err})");
                return Marshal.PtrToStringUni(dest, n);
            }
            finally { Marshal.FreeHGlobal(src); Marshal.FreeHGlobal(dest); }
        }
        throw new NotSupportedException("ICU kept asking for a larger buffer");
    }

    static (Icu?, string) Load()
    {
        // Versioned names first (Linux distributions ship libicuuc.so.NN with symbols suffixed _NN), newest first.
        var candidates = new List<(string lib, int? version)>();
        if (Environment.GetEnvironmentVariable("CLR_ICU_VERSION_OVERRIDE") is { Length: > 0 } over && int.TryParse(over.Split('.')[0], out var ov))
            candidates.Add(($"libicuuc.so.{ov}", ov));
        for (int v = 90; v >= 50; v--) candidates.Add(($"libicuuc.so.{v}", v));
        candidates.Add(("libicuuc.so", null));
        candidates.Add(("libicuuc.dylib", null));
        candidates.Add(("icu.dll", null));   // Windows 10 1903+
        candidates.Add(("icuuc.dll", null));
        foreach (var (lib, version) in candidates)
        {
            if (!NativeLibrary.TryLoad(lib, out var handle)) continue;
            var suffixes = version is { } vv ? new[] { $"_{vv}", "" } : new[] { "" }.Concat(Enumerable.Range(50, 41).Reverse().Select(x => $"_{x}")).ToArray();
            foreach (var suffix in suffixes)
            {
                if (!NativeLibrary.TryGetExport(handle, "unorm2_normalize" + suffix, out var normalize)) continue;
                try
                {
                    IntPtr Instance(string name)
                    {
                        if (!NativeLibrary.TryGetExport(handle, name + suffix, out var p)) return IntPtr.Zero;
                        var inst = Marshal.GetDelegateForFunctionPointer<GetInstance>(p)(out int err);
                        return err > 0 ? IntPtr.Zero : inst;
                    }
                    var icu = new Icu(Marshal.GetDelegateForFunctionPointer<NormalizeFn>(normalize),
                        Instance("unorm2_getNFCInstance"), Instance("unorm2_getNFDInstance"),
                        Instance("unorm2_getNFKCInstance"), Instance("unorm2_getNFKDInstance"), lib);
                    if (icu.Nfc == IntPtr.Zero || icu.Nfd == IntPtr.Zero || icu.Nfkc == IntPtr.Zero || icu.Nfkd == IntPtr.Zero) continue;
                    return (icu, "");
                }
                catch (Exception e) when (e is EntryPointNotFoundException or MarshalDirectiveException) { }
            }
        }
        return (null, "no libicuuc with unorm2_normalize on the library path");
    }
}
