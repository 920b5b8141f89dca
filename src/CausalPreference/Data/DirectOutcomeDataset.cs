using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using CausalPreference.IO;

namespace CausalPreference.Data;

/// <summary>
/// A validated direct-outcome dataset: rows of (text, outcome) with optional prompt, log-propensity, weight and group,
/// loaded from a file described by a <see cref="DatasetSpec"/>. All input checks live in one place (see <see cref="Load"/>);
/// once loaded, every row is usable and nothing was dropped.
/// </summary>
public sealed class DirectOutcomeDataset
{
    /// <summary>The spec the rows were loaded with (a split or subset keeps its parent's).</summary>
    public DatasetSpec Spec { get; }

    /// <summary>The resolved outcome coding (never Auto when <see cref="HasOutcome"/>; Auto when there is no outcome).</summary>
    public OutcomeKind Kind { get; }

    /// <summary>True when rows carry an outcome; false only for a spec with <see cref="DatasetSpec.RequireOutcome"/> false and no outcome
    /// column, in which case every <see cref="OutcomeRow.Outcome"/> is NaN.</summary>
    public bool HasOutcome { get; }

    /// <summary>The rows, in file order for a loaded dataset.</summary>
    public IReadOnlyList<OutcomeRow> Rows { get; }

    DirectOutcomeDataset(DatasetSpec spec, OutcomeKind kind, bool hasOutcome, IReadOnlyList<OutcomeRow> rows)
    {
        Spec = spec; Kind = kind; HasOutcome = hasOutcome; Rows = rows;
    }

    /// <summary>
    /// Reads <see cref="DatasetSpec.Path"/> (see <see cref="TableReader"/>) and validates it. Refused, each as an
    /// <see cref="InputException"/> naming file, row and column: a missing column (the closest name is suggested);
    /// an empty, non-numeric or non-finite outcome; blank text; a text or prompt over 100,000 characters; a log-propensity above 0 or non-finite; a negative, zero or
    /// non-finite weight; negative clicks, impressions ≤ 0, clicks above impressions; a Binary kind with values other than
    /// 0/1; all outcomes equal; fewer than 2 rows; an empty group id.
    /// </summary>
    public static DirectOutcomeDataset Load(DatasetSpec spec) => FromTable(TableReader.Read(spec.Path), spec);

    /// <summary>Validates an in-memory <paramref name="table"/> as <see cref="Load"/> does (the spec's Path is not read).</summary>
    public static DirectOutcomeDataset FromTable(Table table, DatasetSpec spec)
    {
        var r = DatasetValidator.Validate(table, spec);
        return new DirectOutcomeDataset(spec, r.Kind, r.HasOutcome, r.Rows);
    }

    /// <summary>One line for logs: rows read, outcome kind and direction, groups.</summary>
    public string Describe()
    {
        var sb = new StringBuilder();
        sb.Append(CultureInfo.InvariantCulture, $"{Rows.Count} rows from {Spec.Path}; text '{Spec.TextColumn}'");
        if (HasOutcome)
        {
            var y = Kind == OutcomeKind.Binomial ? $"{Spec.ClicksColumn}/{Spec.ImpressionsColumn}" : Spec.OutcomeColumn;
            sb.Append(CultureInfo.InvariantCulture, $"; outcome '{y}' ({Kind.ToString().ToLowerInvariant()}, {(Spec.HigherIsBetter ? "higher" : "lower")} is better)");
        }
        else sb.Append("; no outcome");
        if (Spec.GroupColumn is { Length: > 0 })
            sb.Append(CultureInfo.InvariantCulture, $"; {Rows.Select(r => r.Group).Distinct().Count()} groups in '{Spec.GroupColumn}'");
        return sb.ToString();
    }

    /// <summary>The seed of the training/validation split that FT, the causal runs and the pipeline's stages share
    /// (240402 mirrors the paper's code), so that every stage holds out the same rows.</summary>
    public const int ValidationSplitSeed = 240402;

    /// <summary>
    /// Splits into train and validation, deterministically for a given <paramref name="seed"/> (<see cref="ValidationSplitSeed"/> mirrors the paper's code;
    /// the shuffle is this library's own, so the actual rows differ from scikit-learn's). With a group column, whole groups
    /// are assigned: groups (sorted by id, then shuffled with the seed) go to validation until it holds at least
    /// round(<paramref name="validationFraction"/> × rows) rows, never taking every row. Without groups, the rows are shuffled
    /// and the first round(fraction × rows) (at least 1, at most rows − 1) go to validation. Each side keeps file order and
    /// row <see cref="OutcomeRow.Index"/> values.
    /// </summary>
    /// <exception cref="InputException">the fraction is not strictly between 0 and 1, or a side would be empty (e.g. one group).</exception>
    public (DirectOutcomeDataset Train, DirectOutcomeDataset Validation) Split(double validationFraction, int seed = ValidationSplitSeed)
    {
        if (!(validationFraction > 0 && validationFraction < 1))
            throw new InputException($"the validation fraction must be strictly between 0 and 1 (got {validationFraction.ToString("R", CultureInfo.InvariantCulture)}), e.g. 0.2.");
        int n = Rows.Count;
        if (n < 2)
            throw new InputException($"cannot split {n} row(s) into two non-empty parts. Add rows.", Spec.Path);
        int target = Math.Clamp((int)Math.Round(validationFraction * n, MidpointRounding.AwayFromZero), 1, n - 1);
        var inValidation = new bool[n];
        if (Rows[0].Group != null)
        {
            var groups = new Dictionary<string, List<int>>(StringComparer.Ordinal);
            for (int i = 0; i < n; i++)
            {
                var g = Rows[i].Group!;
                if (!groups.TryGetValue(g, out var list)) groups[g] = list = new List<int>();
                list.Add(i);
            }
            if (groups.Count < 2)
                throw new InputException($"all {n} rows are in one group ('{Rows[0].Group}') of column '{Spec.GroupColumn}', so a group-aware split cannot put rows on both sides. Use a finer group column, or none.", Spec.Path, column: Spec.GroupColumn);
            var keys = groups.Keys.OrderBy(k => k, StringComparer.Ordinal).ToList();
            SeededShuffle.Shuffle(keys, seed);
            int taken = 0;
            foreach (var k in keys)
            {
                if (taken >= target) break;
                var members = groups[k];
                if (taken + members.Count >= n) continue;
                foreach (var i in members) inValidation[i] = true;
                taken += members.Count;
            }
        }
        else
        {
            var order = Enumerable.Range(0, n).ToList();
            SeededShuffle.Shuffle(order, seed);
            for (int k = 0; k < target; k++) inValidation[order[k]] = true;
        }
        var train = new List<OutcomeRow>();
        var val = new List<OutcomeRow>();
        for (int i = 0; i < n; i++) (inValidation[i] ? val : train).Add(Rows[i]);
        return (With(train), With(val));
    }

    /// <summary>The rows at the given 0-based <paramref name="positions"/> in <see cref="Rows"/> (not <see cref="OutcomeRow.Index"/>
    /// values), in the order given; same spec and kind; rows keep their Index.</summary>
    /// <exception cref="ArgumentOutOfRangeException">a position outside <see cref="Rows"/>.</exception>
    /// <exception cref="ArgumentException">a position given twice.</exception>
    public DirectOutcomeDataset Subset(IEnumerable<int> positions)
    {
        var seen = new HashSet<int>();
        var rows = new List<OutcomeRow>();
        foreach (var p in positions)
        {
            if ((uint)p >= (uint)Rows.Count) throw new ArgumentOutOfRangeException(nameof(positions), p, $"position outside 0..{Rows.Count - 1}");
            if (!seen.Add(p)) throw new ArgumentException($"position {p} given twice", nameof(positions));
            rows.Add(Rows[p]);
        }
        return With(rows);
    }

    DirectOutcomeDataset With(IReadOnlyList<OutcomeRow> rows) => new(Spec, Kind, HasOutcome, rows);

    /// <summary>
    /// A stable content hash (lowercase hex SHA-256) for caching: covers the role columns named in the spec, direction,
    /// resolved kind and, in order, every row's index and values. It does not cover the file path, so a moved file
    /// keeps its fingerprint; any changed value, row or role changes it.
    /// </summary>
    public string Fingerprint()
    {
        using var h = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        Str(h, "causalpo.dataset.v1");
        foreach (var c in new[] { Spec.TextColumn, Spec.OutcomeColumn, Spec.PromptColumn, Spec.LogPropensityColumn, Spec.WeightColumn, Spec.GroupColumn, Spec.ClicksColumn, Spec.ImpressionsColumn })
            Str(h, c);
        Str(h, Spec.HigherIsBetter ? "higher" : "lower");
        Str(h, Kind.ToString());
        Str(h, HasOutcome ? "y" : "n");
        Num(h, Rows.Count);
        foreach (var r in Rows)
        {
            Num(h, r.Index);
            Str(h, r.Text);
            Str(h, r.Prompt);
            Num(h, r.Outcome);
            Num(h, r.LogPropensity);
            Num(h, r.Weight);
            Str(h, r.Group);
            Num(h, r.Clicks);
            Num(h, r.Impressions);
        }
        return Convert.ToHexStringLower(h.GetHashAndReset());
    }

    static void Str(IncrementalHash h, string? s)
    {
        Span<byte> len = stackalloc byte[8];
        if (s == null) { BinaryPrimitives.WriteInt64LittleEndian(len, -1); h.AppendData(len); return; }
        var b = Encoding.UTF8.GetBytes(s);
        BinaryPrimitives.WriteInt64LittleEndian(len, b.Length);
        h.AppendData(len);
        h.AppendData(b);
    }

    static void Num(IncrementalHash h, double? v)
    {
        Span<byte> b = stackalloc byte[9];
        b[0] = v.HasValue ? (byte)1 : (byte)0;
        BinaryPrimitives.WriteInt64LittleEndian(b[1..], v.HasValue ? BitConverter.DoubleToInt64Bits(v.Value) : 0);
        h.AppendData(b);
    }
}
