using AcqSeg.Imaging.Metrics;

namespace AcqSeg.Imaging.Tests.Metrics;

public sealed class LinearAssignmentTests
{
    [Fact]
    public void Solve_SquareMatrix_FindsTheMinimumOverAllPermutations()
    {
        double[,] cost = { { 4, 1, 3 }, { 2, 0, 5 }, { 3, 2, 2 } };

        int[] a = LinearAssignment.Solve(cost);

        Assert.Equal([1, 0, 2], a);
    }

    [Theory]
    [InlineData(3, 5, 1)]
    [InlineData(5, 3, 2)]
    [InlineData(4, 4, 3)]
    [InlineData(1, 6, 4)]
    [InlineData(6, 1, 5)]
    public void Solve_RandomRectangularMatrices_MatchesBruteForce(int rows, int cols, int seed)
    {
        var rng = new Random(seed);
        for (int trial = 0; trial < 50; trial++)
        {
            var cost = new double[rows, cols];
            for (int r = 0; r < rows; r++)
                for (int c = 0; c < cols; c++)
                    cost[r, c] = rng.Next(3) == 0 ? 0 : -rng.NextDouble() - rng.Next(2);

            int[] a = LinearAssignment.Solve(cost);

            Assert.Equal(Math.Min(rows, cols), a.Count(c => c >= 0));
            Assert.Equal(a.Where(c => c >= 0).Count(), a.Where(c => c >= 0).Distinct().Count());
            double total = 0;
            for (int r = 0; r < rows; r++) if (a[r] >= 0) total += cost[r, a[r]];
            Assert.Equal(BruteForce(cost), total, 9);
        }
    }

    [Fact]
    public void Solve_EmptyMatrix_AssignsNothing()
    {
        Assert.Equal([-1, -1], LinearAssignment.Solve(new double[2, 0]));
        Assert.Empty(LinearAssignment.Solve(new double[0, 3]));
    }

    private static double BruteForce(double[,] cost)
    {
        int rows = cost.GetLength(0), cols = cost.GetLength(1);
        double best = double.PositiveInfinity;
        var usedCols = new bool[cols];
        var usedRows = new bool[rows];
        int k = Math.Min(rows, cols);
        // Assign k pairs: iterate over the smaller side in order, choosing a distinct partner on the other side.
        void Go(int i, double sum)
        {
            if (i == k)
            {
                best = Math.Min(best, sum);
                return;
            }
            if (rows <= cols)
            {
                for (int c = 0; c < cols; c++)
                {
                    if (usedCols[c]) continue;
                    usedCols[c] = true;
                    Go(i + 1, sum + cost[i, c]);
                    usedCols[c] = false;
                }
            }
            else
            {
                for (int r = 0; r < rows; r++)
                {
                    if (usedRows[r]) continue;
                    usedRows[r] = true;
                    Go(i + 1, sum + cost[r, i]);
                    usedRows[r] = false;
                }
            }
        }
        Go(0, 0);
        return best;
    }
}
