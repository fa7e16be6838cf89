using AcqSeg.Imaging.Io;

namespace AcqSeg.Imaging.Dynamics;

/// <summary>
/// Flows from masks as Cellpose v2.3.2 computes them on the CPU (dynamics.masks_to_flows_cpu): per object, heat
/// diffuses from the object pixel nearest the median position; the flow is the normalised gradient of log(1 + heat).
/// Each object is computed in a small buffer around its bounding box, so objects run in parallel and never touch a
/// full-frame temporary.
/// </summary>
public static class MaskFlows
{
    /// <summary>Unit flows (dY, dX) as float32, zero outside objects.</summary>
    public static FlowField FromMasks(LabelImage masks)
    {
        ArgumentNullException.ThrowIfNull(masks);
        int h = masks.Height, w = masks.Width;
        var dy = new float[h * w];
        var dx = new float[h * w];
        var boxes = ObjectBoxes.FindPresent(masks.Labels, h, w);
        Parallel.For(0, boxes.Count, () => new ObjectFlowBuffer(), (i, _, buffer) =>
        {
            var box = boxes[i];
            ObjectFlow.Compute(masks.Labels, w, box, buffer);
            for (int k = 0; k < buffer.Count; k++)
            {
                int p = buffer.PixelIndex[k];
                dy[p] = (float)buffer.FlowY[k];
                dx[p] = (float)buffer.FlowX[k];
            }
            return buffer;
        }, _ => { });
        return new FlowField(dy, dx, h, w);
    }
}

/// <summary>Reusable per-thread storage for one object's diffusion.</summary>
internal sealed class ObjectFlowBuffer
{
    public int Count;
    public int[] PixelIndex = new int[256];
    public int[] LocalY = new int[256];
    public int[] LocalX = new int[256];
    public double[] FlowY = new double[256];
    public double[] FlowX = new double[256];
    public double[] Next = new double[256];
    public double[] Heat = new double[1024];
    public int[] SortScratch = new int[256];

    public void EnsureCapacity(int pixels, int heatSize)
    {
        if (PixelIndex.Length < pixels)
        {
            int n = Math.Max(pixels, PixelIndex.Length * 2);
            PixelIndex = new int[n];
            LocalY = new int[n];
            LocalX = new int[n];
            FlowY = new double[n];
            FlowX = new double[n];
            Next = new double[n];
            SortScratch = new int[n];
        }
        if (Heat.Length < heatSize) Heat = new double[Math.Max(heatSize, Heat.Length * 2)];
    }
}

/// <summary>The flow of one object, following masks_to_flows_cpu and _extend_centers step by step (float64).</summary>
internal static class ObjectFlow
{
    /// <summary>
    /// Fills the buffer with the object's pixels (raster order, global indices) and their unit flows in float64.
    /// </summary>
    public static void Compute(int[] labels, int width, ObjectBox box, ObjectFlowBuffer b)
    {
        int bh = box.Height, bw = box.Width;
        // Cellpose's buffer: rows of stride lx = bw + 1 (column 0 is the zero pad on both sides through wrap-around),
        // local coordinates shifted by 1, total size (ly + 2) * (lx + 2) with ly = bh + 1.
        int lx = bw + 1;
        int heatSize = (bh + 3) * (bw + 3);
        b.EnsureCapacity(bh * bw, heatSize);
        int n = 0;
        for (int y = box.Y0; y < box.Y1; y++)
        {
            int row = y * width;
            for (int x = box.X0; x < box.X1; x++)
            {
                if (labels[row + x] != box.Label) continue;
                b.PixelIndex[n] = row + x;
                b.LocalY[n] = y - box.Y0 + 1;
                b.LocalX[n] = x - box.X0 + 1;
                n++;
            }
        }
        b.Count = n;
        int[] ly = b.LocalY, lxs = b.LocalX;

        // Centre: the object pixel nearest the median position (first in raster order on ties).
        double ymed = Median(ly, n, b.SortScratch);
        double xmed = Median(lxs, n, b.SortScratch);
        int imin = 0;
        double best = double.PositiveInfinity;
        int minX = int.MaxValue, maxX = int.MinValue, minY = int.MaxValue, maxY = int.MinValue;
        for (int k = 0; k < n; k++)
        {
            double ddx = lxs[k] - xmed, ddy = ly[k] - ymed;
            double d = ddx * ddx + ddy * ddy;
            if (d < best) { best = d; imin = k; }
            if (lxs[k] < minX) minX = lxs[k];
            if (lxs[k] > maxX) maxX = lxs[k];
            if (ly[k] < minY) minY = ly[k];
            if (ly[k] > maxY) maxY = ly[k];
        }
        int niter = 2 * ((maxX - minX) + (maxY - minY));
        int centre = ly[imin] * lx + lxs[imin];

        double[] t = b.Heat;
        Array.Clear(t, 0, heatSize);
        double[] next = b.Next;
        const double ninth = 1.0 / 9.0;
        for (int it = 0; it < niter; it++)
        {
            t[centre] += 1;
            // Jacobi update (Cellpose evaluates the whole right-hand side before assigning), same summation order.
            for (int k = 0; k < n; k++)
            {
                int c = ly[k] * lx + lxs[k];
                next[k] = ninth * (t[c] + t[c - lx] + t[c + lx] + t[c - 1] + t[c + 1]
                                   + t[c - lx - 1] + t[c - lx + 1] + t[c + lx - 1] + t[c + lx + 1]);
            }
            for (int k = 0; k < n; k++) t[ly[k] * lx + lxs[k]] = next[k];
        }

        // Cellpose's CPU quirk: log(1 + T) lands at (y + 1, x + 1) of every object pixel, not at the pixel itself.
        for (int k = 0; k < n; k++)
        {
            int q = (ly[k] + 1) * lx + lxs[k] + 1;
            t[q] = Math.Log(1.0 + t[q]);
        }
        for (int k = 0; k < n; k++)
        {
            int y = ly[k], x = lxs[k];
            double fy = t[(y + 1) * lx + x] - t[(y - 1) * lx + x];
            double fx = t[y * lx + x + 1] - t[y * lx + x - 1];
            double norm = 1e-20 + Math.Sqrt(fy * fy + fx * fx);
            b.FlowY[k] = fy / norm;
            b.FlowX[k] = fx / norm;
        }
    }

    private static double Median(int[] values, int n, int[] scratch)
    {
        Array.Copy(values, scratch, n);
        Array.Sort(scratch, 0, n);
        if ((n & 1) == 1) return scratch[n / 2];
        return (scratch[n / 2 - 1] + (double)scratch[n / 2]) / 2.0;
    }
}
