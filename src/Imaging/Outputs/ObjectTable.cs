using System.Globalization;
using System.Text;
using AcqSeg.Imaging.Io;

namespace AcqSeg.Imaging.Outputs;

/// <summary>One row per object: what `--save-csv` writes and the service stores.</summary>
public sealed record ObjectStats(int Label, int Area, double CentroidY, double CentroidX, int MinY, int MinX, int MaxY, int MaxX, double MeanIntensity);

public static class ObjectTable
{
    /// <summary>Per-object statistics; intensity is the mean over channels of the raw image.</summary>
    public static IReadOnlyList<ObjectStats> Measure(LabelImage masks, ImageData? image)
    {
        int w = masks.Width, max = masks.MaxLabel;
        var area = new int[max + 1];
        var sy = new double[max + 1];
        var sx = new double[max + 1];
        var si = new double[max + 1];
        var minY = new int[max + 1]; var minX = new int[max + 1];
        var maxY = new int[max + 1]; var maxX = new int[max + 1];
        Array.Fill(minY, int.MaxValue); Array.Fill(minX, int.MaxValue);
        Array.Fill(maxY, -1); Array.Fill(maxX, -1);
        for (int i = 0; i < masks.Labels.Length; i++)
        {
            int v = masks.Labels[i];
            if (v == 0) continue;
            int y = i / w, x = i % w;
            area[v]++;
            sy[v] += y;
            sx[v] += x;
            if (image is not null)
            {
                double sum = 0;
                for (int c = 0; c < image.Channels; c++) sum += image.Data[c * image.PlaneSize + i];
                si[v] += sum / image.Channels;
            }
            if (y < minY[v]) minY[v] = y;
            if (x < minX[v]) minX[v] = x;
            if (y > maxY[v]) maxY[v] = y;
            if (x > maxX[v]) maxX[v] = x;
        }
        var rows = new List<ObjectStats>();
        for (int v = 1; v <= max; v++)
        {
            if (area[v] == 0) continue;
            rows.Add(new ObjectStats(v, area[v], sy[v] / area[v], sx[v] / area[v], minY[v], minX[v], maxY[v], maxX[v],
                image is null ? double.NaN : si[v] / area[v]));
        }
        return rows;
    }

    public const string Header = "label,area,centroid_y,centroid_x,bbox_min_y,bbox_min_x,bbox_max_y,bbox_max_x,mean_intensity";

    public static void WriteCsv(string path, IEnumerable<ObjectStats> rows)
    {
        var sb = new StringBuilder(Header).Append('\n');
        var inv = CultureInfo.InvariantCulture;
        foreach (var r in rows)
        {
            sb.Append(inv, $"{r.Label},{r.Area},{r.CentroidY:0.###},{r.CentroidX:0.###},{r.MinY},{r.MinX},{r.MaxY},{r.MaxX},{r.MeanIntensity:0.####}\n");
        }
        File.WriteAllText(path, sb.ToString());
    }
}
