using System.Globalization;
using System.Text;
using AcqSeg.Imaging.Io;

namespace AcqSeg.Imaging.Outputs;

/// <summary>
/// Cellpose's X_cp_outlines.txt (io.outlines_to_text): one line per mask, in increasing label order, holding its outline
/// as x0,y0,x1,y1,... integers; a mask too small to outline gets an empty line, so line k is still the k-th mask.
/// ImageJ reads it with Cellpose's imagej_roi_converter.py macro.
/// </summary>
public static class CellposeOutlineText
{
    public static string Format(IEnumerable<MaskOutline> outlines)
    {
        var sb = new StringBuilder();
        foreach (var o in outlines)
        {
            for (int i = 0; i < o.Count; i++)
            {
                if (i > 0) sb.Append(',');
                sb.Append(o.X[i].ToString(CultureInfo.InvariantCulture)).Append(',').Append(o.Y[i].ToString(CultureInfo.InvariantCulture));
            }
            sb.Append('\n');
        }
        return sb.ToString();
    }

    public static void Write(string path, LabelImage masks) =>
        File.WriteAllText(path, Format(MaskContours.Outlines(masks)), new UTF8Encoding(encoderShouldEmitUTF8Identifier: false));
}
