namespace AcqSeg.Imaging.Dynamics;

/// <summary>Bounding box of one label, rows [Y0, Y1) and columns [X0, X1) (like scipy.ndimage.find_objects).</summary>
public readonly record struct ObjectBox(int Label, int Y0, int X0, int Y1, int X1)
{
    public int Height => Y1 - Y0;
    public int Width => X1 - X0;
}

/// <summary>Finds the bounding box of every label present, in ascending label order.</summary>
public static class ObjectBoxes
{
    /// <summary>Boxes indexed by label - 1; null where a label between 1 and the maximum is absent.</summary>
    public static ObjectBox?[] FindByLabel(int[] labels, int height, int width)
    {
        int max = 0;
        foreach (int v in labels) if (v > max) max = v;
        var y0 = new int[max + 1];
        var x0 = new int[max + 1];
        var y1 = new int[max + 1];
        var x1 = new int[max + 1];
        Array.Fill(y0, int.MaxValue);
        Array.Fill(x0, int.MaxValue);
        for (int y = 0; y < height; y++)
        {
            int row = y * width;
            for (int x = 0; x < width; x++)
            {
                int l = labels[row + x];
                if (l <= 0) continue;
                if (y < y0[l]) y0[l] = y;
                if (x < x0[l]) x0[l] = x;
                if (y + 1 > y1[l]) y1[l] = y + 1;
                if (x + 1 > x1[l]) x1[l] = x + 1;
            }
        }
        var boxes = new ObjectBox?[max];
        for (int l = 1; l <= max; l++)
        {
            if (y0[l] != int.MaxValue) boxes[l - 1] = new ObjectBox(l, y0[l], x0[l], y1[l], x1[l]);
        }
        return boxes;
    }

    /// <summary>Boxes of the labels present only, ascending; sparse label values (e.g. hashes) are fine.</summary>
    public static List<ObjectBox> FindPresent(int[] labels, int height, int width)
    {
        int max = 0;
        foreach (int v in labels) if (v > max) max = v;
        if (max > 4L * labels.Length + 1024) return FindSparse(labels, height, width);
        var all = FindByLabel(labels, height, width);
        var present = new List<ObjectBox>(all.Length);
        foreach (var b in all) if (b is { } box) present.Add(box);
        return present;
    }

    private static List<ObjectBox> FindSparse(int[] labels, int height, int width)
    {
        var boxes = new Dictionary<int, ObjectBox>();
        for (int y = 0; y < height; y++)
        {
            for (int x = 0; x < width; x++)
            {
                int l = labels[y * width + x];
                if (l <= 0) continue;
                boxes[l] = boxes.TryGetValue(l, out var b)
                    ? new ObjectBox(l, Math.Min(b.Y0, y), Math.Min(b.X0, x), Math.Max(b.Y1, y + 1), Math.Max(b.X1, x + 1))
                    : new ObjectBox(l, y, x, y + 1, x + 1);
            }
        }
        var list = boxes.Values.ToList();
        list.Sort((a, b) => a.Label.CompareTo(b.Label));
        return list;
    }
}
