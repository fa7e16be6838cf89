namespace AcqSeg.Models.Sizing;

/// <summary>
/// Cellpose's size-model fit: centre styles and targets, then A = (X X^T + l2 I)^-1 X y with X the centred styles
/// (features x samples). Solved in double precision by Cholesky (the matrix is symmetric positive definite for l2 > 0).
/// </summary>
public static class RidgeRegression
{
    public sealed record Fit(float[] A, float[] StyleMean, double YMean, double TrainCorrelation);

    /// <param name="styles">samples x features, row-major</param>
    /// <param name="targets">one target per sample</param>
    public static Fit Solve(float[] styles, int samples, int features, double[] targets, double l2 = 1.0)
    {
        ArgumentNullException.ThrowIfNull(styles);
        ArgumentNullException.ThrowIfNull(targets);
        if (samples < 2) throw new ArgumentException($"{samples} sample(s): a size model needs at least 2 styles", nameof(samples));
        if (styles.Length != (long)samples * features || targets.Length != samples)
            throw new ArgumentException($"styles hold {styles.Length} values and targets {targets.Length}; expected {samples} x {features} and {samples}");
        if (!(l2 > 0)) throw new ArgumentOutOfRangeException(nameof(l2), l2, "the L2 penalty must be positive");

        // Cellpose keeps styles and targets in float32; the means are float32 too.
        var mean = new double[features];
        for (int n = 0; n < samples; n++)
            for (int f = 0; f < features; f++) mean[f] += styles[n * features + f];
        var smean = new float[features];
        for (int f = 0; f < features; f++) smean[f] = (float)(mean[f] / samples);
        double ymean = (float)(targets.Sum() / samples);

        var x = new double[samples * features];
        for (int n = 0; n < samples; n++)
            for (int f = 0; f < features; f++) x[n * features + f] = styles[n * features + f] - smean[f];
        var y = new double[samples];
        for (int n = 0; n < samples; n++) y[n] = (float)targets[n] - ymean;

        var gram = new double[features * features];
        var xy = new double[features];
        Parallel.For(0, features, i =>
        {
            for (int j = 0; j <= i; j++)
            {
                double s = 0;
                for (int n = 0; n < samples; n++) s += x[n * features + i] * x[n * features + j];
                gram[i * features + j] = s;
            }
            double t = 0;
            for (int n = 0; n < samples; n++) t += x[n * features + i] * y[n];
            xy[i] = t;
        });
        for (int i = 0; i < features; i++)
        {
            gram[i * features + i] += l2;
            for (int j = 0; j < i; j++) gram[j * features + i] = gram[i * features + j];
        }
        double[] a = CholeskySolve(gram, xy, features);

        var predicted = new double[samples];
        for (int n = 0; n < samples; n++)
        {
            double p = 0;
            for (int f = 0; f < features; f++) p += a[f] * x[n * features + f];
            predicted[n] = p;
        }
        return new Fit(a.Select(v => (float)v).ToArray(), smean, ymean, Correlation(y, predicted));
    }

    /// <summary>Solves M a = b for symmetric positive definite M (row-major, n x n).</summary>
    public static double[] CholeskySolve(double[] m, double[] b, int n)
    {
        var l = new double[n * n];
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j <= i; j++)
            {
                double s = m[i * n + j];
                for (int k = 0; k < j; k++) s -= l[i * n + k] * l[j * n + k];
                if (i == j)
                {
                    if (s <= 0) throw new InvalidOperationException("the regression matrix is not positive definite");
                    l[i * n + i] = Math.Sqrt(s);
                }
                else l[i * n + j] = s / l[j * n + j];
            }
        }
        var z = new double[n];
        for (int i = 0; i < n; i++)
        {
            double s = b[i];
            for (int k = 0; k < i; k++) s -= l[i * n + k] * z[k];
            z[i] = s / l[i * n + i];
        }
        var a = new double[n];
        for (int i = n - 1; i >= 0; i--)
        {
            double s = z[i];
            for (int k = i + 1; k < n; k++) s -= l[k * n + i] * a[k];
            a[i] = s / l[i * n + i];
        }
        return a;
    }

    public static double Correlation(double[] a, double[] b)
    {
        double ma = a.Average(), mb = b.Average(), sab = 0, saa = 0, sbb = 0;
        for (int i = 0; i < a.Length; i++)
        {
            sab += (a[i] - ma) * (b[i] - mb);
            saa += (a[i] - ma) * (a[i] - ma);
            sbb += (b[i] - mb) * (b[i] - mb);
        }
        return saa > 0 && sbb > 0 ? sab / Math.Sqrt(saa * sbb) : 0;
    }
}
