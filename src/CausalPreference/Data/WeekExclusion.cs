using System.Globalization;

namespace CausalPreference.Data;

/// <summary>What <see cref="DesignPropensity.ExcludeWeeks"/> removed (always reported, never silent).</summary>
/// <param name="RowsBefore">Rows before the exclusion.</param>
/// <param name="RowsExcluded">Rows whose week lies in [First, Last].</param>
/// <param name="TestsExcluded">Distinct tests among the excluded rows.</param>
/// <param name="First">First excluded week (YYYYWW).</param>
/// <param name="Last">Last excluded week (YYYYWW), inclusive.</param>
public sealed record WeekExclusion(int RowsBefore, int RowsExcluded, int TestsExcluded, int First, int Last)
{
    /// <summary>One line for logs.</summary>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"excluded {RowsExcluded} of {RowsBefore} rows ({TestsExcluded} tests) with week in [{First}, {Last}] (the randomization-imbalance period); {RowsBefore - RowsExcluded} rows kept");
}
