using System.Buffers;
using System.Text.Unicode;
using CausalPreference.IO;

namespace CausalPreference.Data;

/// <summary>Strict UTF-8 decoding of a whole text file that names the row holding the first invalid byte.</summary>
internal static class TextDecoding
{
    /// <summary>
    /// Decodes <paramref name="bytes"/> as UTF-8, dropping a leading BOM. On invalid UTF-8 throws an
    /// <see cref="InputException"/> whose row comes from <paramref name="rowOfOffset"/>, which receives the valid text
    /// before the bad byte and returns the data row (header = 0) that byte belongs to.
    /// </summary>
    public static string Decode(byte[] bytes, string path, Func<string, long> rowOfOffset)
    {
        ReadOnlySpan<byte> src = bytes;
        if (src.Length >= 2 && ((src[0] == 0xFF && src[1] == 0xFE) || (src[0] == 0xFE && src[1] == 0xFF)))
            throw new InputException("the file is UTF-16 encoded. Save it as UTF-8 (in Excel: 'CSV UTF-8'; in an editor: encoding UTF-8).", path);
        if (src.Length >= 3 && src[0] == 0xEF && src[1] == 0xBB && src[2] == 0xBF) src = src[3..];
        var chars = new char[src.Length];
        var status = Utf8.ToUtf16(src, chars, out int read, out int written, replaceInvalidSequences: false, isFinalBlock: true);
        if (status == OperationStatus.Done) return new string(chars, 0, written);
        var prefix = new string(chars, 0, written);
        long line = 1;
        foreach (var ch in prefix) if (ch == '\n') line++;
        long offset = read + (bytes.Length - src.Length);
        throw new InputException(
            $"invalid UTF-8 at byte offset {offset} (line {line}). Save the file as UTF-8 (in Excel: 'CSV UTF-8'), or fix the bad characters on that line.",
            path, rowOfOffset(prefix));
    }
}
