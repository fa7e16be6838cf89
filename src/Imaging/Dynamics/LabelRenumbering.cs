namespace AcqSeg.Imaging.Dynamics;

/// <summary>Renumbers labels 1..N in order of first appearance in raster order, 0 kept (as fastremap.renumber).</summary>
public static class LabelRenumbering
{
    /// <summary>Renumbers in place and returns the number of labels.</summary>
    public static int InPlace(int[] labels)
    {
        var map = new Dictionary<int, int>();
        int next = 1;
        for (int i = 0; i < labels.Length; i++)
        {
            int v = labels[i];
            if (v == 0) continue;
            if (!map.TryGetValue(v, out int m))
            {
                m = next++;
                map[v] = m;
            }
            labels[i] = m;
        }
        return next - 1;
    }
}
