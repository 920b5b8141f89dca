namespace CausalPreference.Simulation;

/// <summary>A simulated direct-outcome data set: rows of (text, outcome, log P^R, hidden trait).</summary>
public sealed class SimulatedData
{
    /// <summary>The rows, in generation order.</summary>
    public IReadOnlyList<SimulatedRow> Rows { get; }

    /// <summary>True when the rows come from the confounded mechanism (every row then carries <see cref="SimulatedRow.U"/>).</summary>
    public bool Confounded { get; }

    /// <summary>Wraps <paramref name="rows"/> (kept, not copied). Throws <see cref="ArgumentNullException"/> for null rows and
    /// <see cref="ArgumentException"/> when <paramref name="confounded"/> and a row lacks <see cref="SimulatedRow.U"/>.</summary>
    public SimulatedData(IReadOnlyList<SimulatedRow> rows, bool confounded)
    {
        ArgumentNullException.ThrowIfNull(rows);
        if (confounded && rows.Any(r => r.U is null))
            throw new ArgumentException("confounded data needs the hidden trait U on every row", nameof(rows));
        Rows = rows;
        Confounded = confounded;
    }

    /// <summary>Number of rows.</summary>
    public int Count => Rows.Count;

    /// <summary>The texts, in row order.</summary>
    public string[] Texts => Rows.Select(r => r.Text).ToArray();

    /// <summary>The outcomes, in row order.</summary>
    public double[] Outcomes => Rows.Select(r => r.Outcome).ToArray();

    /// <summary>The log P^R values, in row order.</summary>
    public double[] LogPropensities => Rows.Select(r => r.LogPropensity).ToArray();
}
