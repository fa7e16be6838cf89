using System.Buffers.Binary;
using AcqSeg.Imaging.Io;

namespace AcqSeg.Imaging.Outputs;

/// <summary>Masks as a grayscale PNG (Cellpose's --save_png X_cp_masks.png): 8 bit up to 255 objects, else 16 bit.</summary>
public static class MaskPng
{
    public const int MaxLabel = ushort.MaxValue;

    /// <summary>Writes the labels; more than 65,535 do not fit a PNG (Cellpose then keeps only the TIFF too).</summary>
    public static int Write(string path, LabelImage masks)
    {
        int max = masks.MaxLabel;
        if (max > MaxLabel)
            throw new ArgumentException($"{max} labels do not fit a 16-bit PNG; use the masks TIFF ({path} not written)");
        var labels = masks.Labels;
        if (max <= byte.MaxValue)
        {
            var b = new byte[labels.Length];
            for (int i = 0; i < b.Length; i++) b[i] = (byte)labels[i];
            PngEncoder.WriteGray(path, b, masks.Width, masks.Height, 8);
            return 8;
        }
        var s = new byte[2 * labels.Length];
        for (int i = 0; i < labels.Length; i++) BinaryPrimitives.WriteUInt16BigEndian(s.AsSpan(2 * i), (ushort)labels[i]);
        PngEncoder.WriteGray(path, s, masks.Width, masks.Height, 16);
        return 16;
    }
}
