namespace AcqSeg.Imaging.Dynamics;

/// <summary>
/// Cellpose's fill_holes_and_remove_small_masks: in ascending label order, objects with fewer than min_size pixels are
/// erased; the others get their holes filled (scipy binary_fill_holes on the object's bounding box, 4-connected
/// background) and are relabelled 1..N. Sequential on purpose: a filled hole may overwrite another object, exactly as
/// the original does.
/// </summary>
public static class MaskCleanup
{
    /// <summary>Works in place; returns the number of objects kept and the number erased as too small.</summary>
    public static (int Kept, int DroppedSmall) FillHolesAndRemoveSmall(int[] labels, int height, int width, int minSize)
    {
        var boxes = ObjectBoxes.FindByLabel(labels, height, width);
        int next = 0, small = 0;
        var inside = Array.Empty<bool>();
        var outside = Array.Empty<bool>();
        var stack = new Stack<int>();
        foreach (var maybe in boxes)
        {
            if (maybe is not { } box) continue;
            int bh = box.Height, bw = box.Width, n = bh * bw;
            if (inside.Length < n)
            {
                inside = new bool[n];
                outside = new bool[n];
            }
            int npix = 0;
            for (int y = 0; y < bh; y++)
            {
                int row = (y + box.Y0) * width + box.X0;
                for (int x = 0; x < bw; x++)
                {
                    bool m = labels[row + x] == box.Label;
                    inside[y * bw + x] = m;
                    if (m) npix++;
                }
            }
            if (minSize > 0 && npix < minSize)
            {
                if (npix > 0) small++;
                Paint(labels, width, box, inside, 0);
                continue;
            }
            if (npix == 0) continue;
            MarkOutside(inside, outside, bh, bw, stack);
            for (int i = 0; i < n; i++) inside[i] = !outside[i];
            next++;
            Paint(labels, width, box, inside, next);
        }
        return (next, small);
    }

    /// <summary>Background pixels 4-connected to the box border (the border value of binary_fill_holes is 1).</summary>
    private static void MarkOutside(bool[] inside, bool[] outside, int bh, int bw, Stack<int> stack)
    {
        int n = bh * bw;
        Array.Clear(outside, 0, n);
        for (int y = 0; y < bh; y++)
        {
            for (int x = 0; x < bw; x++)
            {
                if (y != 0 && y != bh - 1 && x != 0 && x != bw - 1) continue;
                int i = y * bw + x;
                if (inside[i] || outside[i]) continue;
                outside[i] = true;
                stack.Push(i);
            }
        }
        while (stack.Count > 0)
        {
            int i = stack.Pop();
            int y = i / bw, x = i - y * bw;
            if (y > 0) Visit(i - bw);
            if (y < bh - 1) Visit(i + bw);
            if (x > 0) Visit(i - 1);
            if (x < bw - 1) Visit(i + 1);
        }

        void Visit(int j)
        {
            if (inside[j] || outside[j]) return;
            outside[j] = true;
            stack.Push(j);
        }
    }

    private static void Paint(int[] labels, int width, ObjectBox box, bool[] where, int value)
    {
        int bw = box.Width;
        for (int y = 0; y < box.Height; y++)
        {
            int row = (y + box.Y0) * width + box.X0;
            for (int x = 0; x < bw; x++) if (where[y * bw + x]) labels[row + x] = value;
        }
    }
}
