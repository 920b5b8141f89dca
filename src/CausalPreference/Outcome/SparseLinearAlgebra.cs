namespace CausalPreference.Outcome;

/// <summary>A sparse design-matrix row: ascending column indices and their values.</summary>
internal readonly record struct SparseRow(int[] Index, double[] Value)
{
    public double Dot(double[] beta)
    {
        double s = 0;
        for (int k = 0; k < Index.Length; k++) s += Value[k] * beta[Index[k]];
        return s;
    }
}

/// <summary>
/// Solves penalized weighted normal equations (Xᵀ diag(s) X + diag(penalty)) β = b for sparse rows: a dense Gram
/// matrix and Cholesky for up to <see cref="DenseLimit"/> columns, Jacobi-preconditioned conjugate gradient beyond.
/// Both are deterministic.
/// </summary>
internal static class SparseLinearAlgebra
{
    public const int DenseLimit = 1500;

    public static double[] Solve(IReadOnlyList<SparseRow> rows, double[] s, double[] penalty, double[] b, double[]? start = null)
    {
        int d = b.Length;
        return d <= DenseLimit ? SolveDense(rows, s, penalty, b) : SolveCg(rows, s, penalty, b, start);
    }

    static double[] SolveDense(IReadOnlyList<SparseRow> rows, double[] s, double[] penalty, double[] b)
    {
        int d = b.Length;
        var a = new double[d, d];
        for (int i = 0; i < rows.Count; i++)
        {
            if (s[i] == 0) continue;
            var (idx, val) = (rows[i].Index, rows[i].Value);
            for (int p = 0; p < idx.Length; p++)
            {
                double vp = s[i] * val[p];
                for (int q = p; q < idx.Length; q++) a[idx[p], idx[q]] += vp * val[q];
            }
        }
        for (int j = 0; j < d; j++) { a[j, j] += penalty[j]; for (int k = j + 1; k < d; k++) a[k, j] = a[j, k]; }
        return Cholesky(a, b);
    }

    /// <summary>Solves A x = b for symmetric positive-definite A (overwritten) by Cholesky; throws when A is not positive definite.</summary>
    public static double[] Cholesky(double[,] a, double[] b)
    {
        int d = b.Length;
        for (int j = 0; j < d; j++)
        {
            double diag = a[j, j];
            for (int k = 0; k < j; k++) diag -= a[j, k] * a[j, k];
            if (!(diag > 0))
                throw new InvalidOperationException("the normal equations are not positive definite (collinear or empty features); use an L2 strength > 0.");
            double l = Math.Sqrt(diag);
            a[j, j] = l;
            for (int i = j + 1; i < d; i++)
            {
                double v = a[i, j];
                for (int k = 0; k < j; k++) v -= a[i, k] * a[j, k];
                a[i, j] = v / l;
            }
        }
        var x = (double[])b.Clone();
        for (int i = 0; i < d; i++) { for (int k = 0; k < i; k++) x[i] -= a[i, k] * x[k]; x[i] /= a[i, i]; }
        for (int i = d - 1; i >= 0; i--) { for (int k = i + 1; k < d; k++) x[i] -= a[k, i] * x[k]; x[i] /= a[i, i]; }
        return x;
    }

    static double[] SolveCg(IReadOnlyList<SparseRow> rows, double[] s, double[] penalty, double[] b, double[]? start)
    {
        int d = b.Length;
        var diag = (double[])penalty.Clone();
        foreach (var (row, i) in rows.Select((r, i) => (r, i)))
            for (int k = 0; k < row.Index.Length; k++) diag[row.Index[k]] += s[i] * row.Value[k] * row.Value[k];
        for (int j = 0; j < d; j++) if (!(diag[j] > 0)) diag[j] = 1;

        double[] Apply(double[] v)
        {
            var r = new double[d];
            for (int i = 0; i < rows.Count; i++)
            {
                if (s[i] == 0) continue;
                double t = s[i] * rows[i].Dot(v);
                var (idx, val) = (rows[i].Index, rows[i].Value);
                for (int k = 0; k < idx.Length; k++) r[idx[k]] += t * val[k];
            }
            for (int j = 0; j < d; j++) r[j] += penalty[j] * v[j];
            return r;
        }

        var x = start is null ? new double[d] : (double[])start.Clone();
        var ax = Apply(x);
        var res = new double[d];
        for (int j = 0; j < d; j++) res[j] = b[j] - ax[j];
        var z = new double[d];
        for (int j = 0; j < d; j++) z[j] = res[j] / diag[j];
        var p = (double[])z.Clone();
        double rz = Dot(res, z), bNorm = Math.Sqrt(Dot(b, b));
        if (bNorm == 0) return new double[d];
        int maxIter = Math.Max(1000, 10 * d);
        for (int it = 0; it < maxIter && Math.Sqrt(Dot(res, res)) > 1e-10 * bNorm; it++)
        {
            var ap = Apply(p);
            double pap = Dot(p, ap);
            if (!(pap > 0)) throw new InvalidOperationException("the normal equations are not positive definite; use an L2 strength > 0.");
            double alpha = rz / pap;
            for (int j = 0; j < d; j++) { x[j] += alpha * p[j]; res[j] -= alpha * ap[j]; }
            for (int j = 0; j < d; j++) z[j] = res[j] / diag[j];
            double rzNew = Dot(res, z);
            double beta = rzNew / rz;
            rz = rzNew;
            for (int j = 0; j < d; j++) p[j] = z[j] + beta * p[j];
        }
        return x;
    }

    static double Dot(double[] a, double[] b)
    {
        double s = 0;
        for (int i = 0; i < a.Length; i++) s += a[i] * b[i];
        return s;
    }
}
