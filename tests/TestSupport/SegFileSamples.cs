using AcqSeg.Imaging.Dynamics;
using AcqSeg.Imaging.Io;
using AcqSeg.Imaging.Outputs;

namespace AcqSeg.TestSupport;

/// <summary>A small frame and the Cellpose _seg.npy written for it: the Io tests read and write it
/// (Imaging.Tests), the training tests find it beside its image (Engine.Tests).</summary>
public static class SegFileSamples
{
    public static (LabelImage Masks, NetworkOutput Net, ImageData Image) Frame()
    {
        const int h = 24, w = 32;
        var masks = TestLabels.Squares(h, w, (1, 2, 2, 6), (2, 10, 14, 8), (3, 0, 26, 5));
        var dy = new float[h * w];
        var dx = new float[h * w];
        var cp = new float[h * w];
        for (int i = 0; i < h * w; i++)
        {
            dy[i] = MathF.Sin(i * 0.1f);
            dx[i] = MathF.Cos(i * 0.07f);
            cp[i] = masks.Labels[i] > 0 ? 3f : -3f;
        }
        var net = new NetworkOutput(dy, dx, cp, h, w, new float[256], 1.0, TimeSpan.Zero, TimeSpan.Zero);
        var image = new ImageData(cp.Select(v => v + 10f).ToArray(), 1, h, w);
        return (masks, net, image);
    }

    public static CellposeSeg Build(string imagePath)
    {
        var (masks, net, image) = Frame();
        return CellposeSegOutput.Build(imagePath, image, masks, net, new CellposeSegOutput.Settings(2, 1, 17.5, "/models/m.pth", 0.4f, -0.5f));
    }

    /// <summary>cells.tif with the GUI's cells_seg.npy beside it; returns the image path and its masks.</summary>
    public static (string Tif, LabelImage Masks) ImageWithSegNpy(TempFolder tmp)
    {
        ArgumentNullException.ThrowIfNull(tmp);
        var (masks, _, image) = Frame();
        string tif = tmp.File("cells.tif");
        TiffWriter.WriteFloatPages(tif, [image.Data], image.Height, image.Width);
        CellposeSegFile.Write(CellposeSegFile.PathFor(tif), Build(tif));
        return (tif, masks);
    }
}
