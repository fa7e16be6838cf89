namespace AcqSeg.Imaging.Dynamics;

/// <summary>Final positions of every pixel after following the flows (float32, row-major), and which ones moved.</summary>
public sealed class TrackedPixels
{
    public TrackedPixels(float[] y, float[] x, int height, int width, int movingPixels)
    {
        Y = y;
        X = x;
        Height = height;
        Width = width;
        MovingPixels = movingPixels;
    }

    public float[] Y { get; }
    public float[] X { get; }
    public int Height { get; }
    public int Width { get; }

    /// <summary>Pixels whose dY passed the motion test; fewer than <see cref="FlowFollower.MinMovingPixels"/> means no cells.</summary>
    public int MovingPixels { get; }
}

/// <summary>
/// Euler integration of pixels along the flows, as Cellpose v2.3.2's CPU path (follow_flows with interp=True and the
/// numba steps2D_interp/map_coordinates kernels): bilinear sampling with float64 weights rounded to float32, positions
/// in float32 clipped to [0, L - 1].
/// </summary>
public static class FlowFollower
{
    public const int MinMovingPixels = 5;

    /// <summary>Cellpose only moves pixels whose (masked, divided) dY exceeds this in magnitude; dX is not looked at.</summary>
    public const float MotionThreshold = 1e-3f;

    /// <summary>The flows Cellpose integrates: dP / 5 where cellprob > threshold, 0 elsewhere.</summary>
    public static (float[] DY, float[] DX) MaskedFlows(float[] dY, float[] dX, float[] cellprob, float cellprobThreshold)
    {
        var my = new float[dY.Length];
        var mx = new float[dX.Length];
        for (int i = 0; i < dY.Length; i++)
        {
            if (cellprob[i] > cellprobThreshold)
            {
                my[i] = dY[i] / 5f;
                mx[i] = dX[i] / 5f;
            }
        }
        return (my, mx);
    }

    /// <summary>Cellpose's iteration count: uint32(200 / rescale).</summary>
    public static int IterationsFor(double rescale)
    {
        if (!(rescale > 0) || double.IsInfinity(rescale))
            throw new ArgumentOutOfRangeException(nameof(rescale), rescale, "rescale must be a positive finite number (diam_mean / diameter)");
        double n = 1.0 / rescale * 200.0;
        if (n >= int.MaxValue)
            throw new ArgumentOutOfRangeException(nameof(rescale), rescale, $"rescale {rescale} asks for {n:G3} Euler steps; use a realistic diameter or set Niter");
        return (int)n;
    }

    /// <summary>Moves every pixel whose |dY| > 1e-3 for <paramref name="niter"/> steps; the others stay in place.</summary>
    public static TrackedPixels Follow(float[] dY, float[] dX, int height, int width, int niter, float convergedStep = 0f)
    {
        int size = height * width;
        if (dY.Length != size || dX.Length != size)
            throw new ArgumentException($"flow planes have {dY.Length} and {dX.Length} values, shape {height}x{width} needs {size}");
        var py = new float[size];
        var px = new float[size];
        for (int y = 0; y < height; y++)
        {
            for (int x = 0; x < width; x++)
            {
                py[y * width + x] = y;
                px[y * width + x] = x;
            }
        }
        int moving = 0;
        for (int i = 0; i < size; i++) if (Math.Abs(dY[i]) > MotionThreshold) moving++;
        if (moving < MinMovingPixels) return new TrackedPixels(py, px, height, width, moving);

        var inds = new int[moving];
        for (int i = 0, k = 0; i < size; i++) if (Math.Abs(dY[i]) > MotionThreshold) inds[k++] = i;

        // Both components side by side: one cache line serves a whole bilinear sample.
        var flow = new float[2 * size];
        for (int i = 0; i < size; i++)
        {
            flow[2 * i] = dY[i];
            flow[2 * i + 1] = dX[i];
        }
        const int chunk = 4096;
        int chunks = (moving + chunk - 1) / chunk;
        Parallel.For(0, chunks, c =>
        {
            int end = Math.Min(moving, (c + 1) * chunk);
            for (int k = c * chunk; k < end; k++)
            {
                int i = inds[k];
                (py[i], px[i]) = IntegrateInterleaved(flow, height, width, niter, py[i], px[i], convergedStep);
            }
        });
        return new TrackedPixels(py, px, height, width, moving);
    }

    /// <summary>Bilinear sample as numba's map_coordinates: float32 corners times float64 weights, stored as float32.</summary>
    public static void Sample(float[] dY, float[] dX, int height, int width, float y, float x, out float sy, out float sx)
    {
        int y0 = (int)y, x0 = (int)x;
        int yf = Math.Min(height - 1, Math.Max(0, y0));
        int xf = Math.Min(width - 1, Math.Max(0, x0));
        int yf1 = Math.Min(height - 1, yf + 1);
        int xf1 = Math.Min(width - 1, xf + 1);
        double fy = (double)y - y0;
        double fx = (double)x - x0;
        int i00 = yf * width + xf, i01 = yf * width + xf1, i10 = yf1 * width + xf, i11 = yf1 * width + xf1;
        double gy = 1 - fy, gx = 1 - fx;
        sy = (float)((double)dY[i00] * gy * gx + (double)dY[i01] * gy * fx + (double)dY[i10] * fy * gx + (double)dY[i11] * fy * fx);
        sx = (float)((double)dX[i00] * gy * gx + (double)dX[i01] * gy * fx + (double)dX[i10] * fy * gx + (double)dX[i11] * fy * fx);
    }

    /// <summary>
    /// One pixel's trajectory: each step samples both components at the old position (the arithmetic of
    /// <see cref="Sample"/>, on interleaved (dY, dX) pairs without bounds checks), then moves and clips.
    /// </summary>
    private static unsafe (float Y, float X) IntegrateInterleaved(float[] flow, int height, int width, int niter, float y, float x, float convergedStep)
    {
        float maxY = height - 1, maxX = width - 1;
        int lastRow = height - 1, lastCol = width - 1;
        fixed (float* f = flow)
        {
            for (int t = 0; t < niter; t++)
            {
                int y0 = (int)y, x0 = (int)x;
                int yf = Math.Min(lastRow, Math.Max(0, y0));
                int xf = Math.Min(lastCol, Math.Max(0, x0));
                int yf1 = Math.Min(lastRow, yf + 1);
                int xf1 = Math.Min(lastCol, xf + 1);
                double fy = (double)y - y0;
                double fx = (double)x - x0;
                double gy = 1 - fy, gx = 1 - fx;
                float* p00 = f + 2 * (yf * width + xf);
                float* p01 = f + 2 * (yf * width + xf1);
                float* p10 = f + 2 * (yf1 * width + xf);
                float* p11 = f + 2 * (yf1 * width + xf1);
                float sy = (float)((double)p00[0] * gy * gx + (double)p01[0] * gy * fx + (double)p10[0] * fy * gx + (double)p11[0] * fy * fx);
                float sx = (float)((double)p00[1] * gy * gx + (double)p01[1] * gy * fx + (double)p10[1] * fy * gx + (double)p11[1] * fy * fx);
                float ny = Clip(y + sy, maxY), nx = Clip(x + sx, maxX);
                bool converged = Math.Abs(ny - y) < convergedStep && Math.Abs(nx - x) < convergedStep;
                y = ny;
                x = nx;
                if (converged) break;
            }
        }
        return (y, x);
    }

    private static float Clip(float v, float max)
    {
        float lo = v > 0f ? v : 0f;
        return lo < max ? lo : max;
    }
}
