namespace AcqSeg.Imaging.Metrics;

/// <summary>
/// Minimum-cost one-to-one assignment on a rectangular cost matrix (what scipy's linear_sum_assignment solves):
/// min(rows, cols) pairs with the smallest total cost. Shortest augmenting paths with dual potentials (Hungarian /
/// Jonker-Volgenant), O(n^2 m).
/// </summary>
public static class LinearAssignment
{
    /// <summary>For every row the column assigned to it, or -1 (only when there are more rows than columns).</summary>
    public static int[] Solve(double[,] cost)
    {
        ArgumentNullException.ThrowIfNull(cost);
        int rows = cost.GetLength(0), cols = cost.GetLength(1);
        foreach (double c in cost)
        {
            if (!double.IsFinite(c)) throw new ArgumentException("cost matrix holds a NaN or infinite entry; every cost must be finite", nameof(cost));
        }
        var result = new int[rows];
        Array.Fill(result, -1);
        if (rows == 0 || cols == 0) return result;
        if (rows <= cols)
        {
            int[] colOfRow = SolveWide(rows, cols, (r, c) => cost[r, c]);
            Array.Copy(colOfRow, result, rows);
        }
        else
        {
            int[] rowOfCol = SolveWide(cols, rows, (c, r) => cost[r, c]);
            for (int c = 0; c < cols; c++) result[rowOfCol[c]] = c;
        }
        return result;
    }

    /// <summary>n <= m: every one of the n rows gets a distinct column.</summary>
    private static int[] SolveWide(int n, int m, Func<int, int, double> a)
    {
        var u = new double[n + 1];
        var v = new double[m + 1];
        var rowOfCol = new int[m + 1]; // 1-based row matched to column j, 0 = free; column 0 is the virtual start
        var way = new int[m + 1];
        var minv = new double[m + 1];
        var used = new bool[m + 1];
        for (int i = 1; i <= n; i++)
        {
            rowOfCol[0] = i;
            int j0 = 0;
            Array.Fill(minv, double.PositiveInfinity);
            Array.Clear(used);
            do
            {
                used[j0] = true;
                int i0 = rowOfCol[j0], j1 = 0;
                double delta = double.PositiveInfinity;
                for (int j = 1; j <= m; j++)
                {
                    if (used[j]) continue;
                    double cur = a(i0 - 1, j - 1) - u[i0] - v[j];
                    if (cur < minv[j])
                    {
                        minv[j] = cur;
                        way[j] = j0;
                    }
                    if (minv[j] < delta)
                    {
                        delta = minv[j];
                        j1 = j;
                    }
                }
                for (int j = 0; j <= m; j++)
                {
                    if (used[j])
                    {
                        u[rowOfCol[j]] += delta;
                        v[j] -= delta;
                    }
                    else
                    {
                        minv[j] -= delta;
                    }
                }
                j0 = j1;
            }
            while (rowOfCol[j0] != 0);
            do
            {
                int j1 = way[j0];
                rowOfCol[j0] = rowOfCol[j1];
                j0 = j1;
            }
            while (j0 != 0);
        }
        var colOfRow = new int[n];
        for (int j = 1; j <= m; j++) if (rowOfCol[j] != 0) colOfRow[rowOfCol[j] - 1] = j - 1;
        return colOfRow;
    }
}
