using System.Globalization;
using AcqSeg.Imaging.Dynamics;
using AcqSeg.Imaging.Io;
using AcqSeg.Imaging.Transforms;

namespace AcqSeg.Imaging.Outputs;

/// <summary>
/// A segmentation as Cellpose v2.3.2's io.masks_flows_to_seg stores it for its GUI (2-D case), so that X_seg.npy opens
/// there with masks, outlines, the flow and cell-probability views, and threshold changes that recompute the masks.
/// </summary>
public static class CellposeSegOutput
{
    public sealed record Settings(int Chan, int Chan2, double Diameter, string? ModelPath, float FlowThreshold, float CellprobThreshold);

    public static CellposeSeg Build(string imagePath, ImageData image, LabelImage masks, NetworkOutput net, Settings s)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentNullException.ThrowIfNull(masks);
        ArgumentNullException.ThrowIfNull(net);
        int h = net.Height, w = net.Width, n = h * w;
        if (masks.Height != h || masks.Width != w)
            throw new ArgumentException($"masks are {masks.Width}x{masks.Height} but the flows {w}x{h}; both must be at the image's size");

        // The GUI recomputes masks from p (the pixels' end points) when its thresholds move; Cellpose keeps p from the
        // run, here it costs one more flow-following pass, paid only by this output.
        var (my, mx) = FlowFollower.MaskedFlows(net.DY, net.DX, net.CellProb, s.CellprobThreshold);
        var p = FlowFollower.Follow(my, mx, h, w, FlowFollower.IterationsFor(net.Rescale));

        var dp = new float[3 * n];
        net.DY.CopyTo(dp, 0);
        net.DX.CopyTo(dp, n);
        net.CellProb.CopyTo(dp, 2 * n);
        var pyx = new float[2 * n];
        p.Y.CopyTo(pyx, 0);
        p.X.CopyTo(pyx, n);
        var flows = new List<NpyArray>
        {
            NpyArray.UInt8(FlowColours(net.DY, net.DX), 1, h, w, 3),
            NpyArray.UInt8(CellProbBytes(net.CellProb), 1, h, w),
            NpyArray.UInt8(new byte[3 * n], 1, h, w, 3),
            NpyArray.Float32(pyx, 2, h, w),
            NpyArray.Float32(dp, 3, h, w),
        };
        return new CellposeSeg
        {
            Masks = masks,
            Outlines = MaskContours.OutlineLabels(masks),
            Image = image,
            Flows = flows,
            ChanChoose = [s.Chan, s.Chan2],
            IsManual = new bool[masks.MaxLabel],
            Filename = imagePath,
            EstDiam = s.Diameter,
            ModelPath = s.ModelPath,
            FlowThreshold = Decimal(s.FlowThreshold),
            CellprobThreshold = Decimal(s.CellprobThreshold),
        };
    }

    /// <summary>plot.dx_to_circ: hue from the flow angle, brightness from its normalised magnitude, (Ly, Lx, 3) uint8.</summary>
    public static byte[] FlowColours(float[] dY, float[] dX)
    {
        int n = dY.Length;
        var mag = new float[n];
        for (int i = 0; i < n; i++) mag[i] = MathF.Sqrt(dY[i] * dY[i] + dX[i] * dX[i]);
        Normalization.Normalize99(mag, invert: false);
        var rgb = new byte[3 * n];
        for (int i = 0; i < n; i++)
        {
            double m = Math.Clamp(mag[i], 0f, 1f);
            double a = Math.Atan2(dX[i], dY[i]) + Math.PI;
            rgb[3 * i] = Channel((Math.Cos(a) + 1) / 2 * m);
            rgb[3 * i + 1] = Channel((Math.Cos(a + 2 * Math.PI / 3) + 1) / 2 * m);
            rgb[3 * i + 2] = Channel((Math.Cos(a + 4 * Math.PI / 3) + 1) / 2 * m);
        }
        return rgb;
    }

    /// <summary>(clip(normalize99(cellprob), 0, 1) * 255).astype(uint8), the GUI's cell-probability view.</summary>
    public static byte[] CellProbBytes(float[] cellprob)
    {
        var c = (float[])cellprob.Clone();
        Normalization.Normalize99(c, invert: false);
        var b = new byte[c.Length];
        for (int i = 0; i < c.Length; i++) b[i] = Channel(Math.Clamp(c[i], 0f, 1f));
        return b;
    }

    /// <summary>The float the user typed (0.4f becomes 0.4, not 0.4000000059604645), as the GUI stores its text boxes.</summary>
    private static double Decimal(float v) => double.Parse(v.ToString("R", CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);

    // numpy's astype(uint8) truncates.
    private static byte Channel(double v) => (byte)(Math.Clamp(v, 0, 1) * 255);
}
