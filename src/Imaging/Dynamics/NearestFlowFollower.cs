namespace AcqSeg.Imaging.Dynamics;

/// <summary>
/// Cellpose's interp=False dynamics (numba steps2D): each step reads the flow at the truncated position, no
/// interpolation. Kept for parity with the original's option; the default is <see cref="FlowFollower"/>.
/// </summary>
public static class NearestFlowFollower
{
    public static TrackedPixels Follow(float[] dY, float[] dX, int height, int width, int niter)
    {
        int size = height * width;
        if (dY.Length != size || dX.Length != size)
            throw new ArgumentException($"flow planes have {dY.Length} and {dX.Length} values, shape {height}x{width} needs {size}");
        var py = new float[size];
        var px = new float[size];
        for (int i = 0; i < size; i++)
        {
            py[i] = i / width;
            px[i] = i % width;
        }
        int moving = 0;
        for (int i = 0; i < size; i++) if (Math.Abs(dY[i]) > FlowFollower.MotionThreshold) moving++;
        if (moving < FlowFollower.MinMovingPixels) return new TrackedPixels(py, px, height, width, moving);

        float maxY = height - 1, maxX = width - 1;
        Parallel.For(0, height, row =>
        {
            for (int i = row * width; i < (row + 1) * width; i++)
            {
                if (!(Math.Abs(dY[i]) > FlowFollower.MotionThreshold)) continue;
                float y = py[i], x = px[i];
                for (int t = 0; t < niter; t++)
                {
                    int j = (int)y * width + (int)x;
                    float sy = dY[j], sx = dX[j];
                    y = Math.Min(maxY, Math.Max(0f, y + sy));
                    x = Math.Min(maxX, Math.Max(0f, x + sx));
                }
                py[i] = y;
                px[i] = x;
            }
        });
        return new TrackedPixels(py, px, height, width, moving);
    }
}
