using AcqSeg.Imaging.Io;
using AcqSeg.Imaging.Metrics;

namespace AcqSeg.Imaging.Dynamics;

/// <summary>
/// Turns the 2-D masks of a stack's planes into one label stack. Without stitching each plane's labels are shifted past
/// those of the planes before it, so every object of the stack has its own number. With a stitch threshold, labels of
/// consecutive Z planes are joined as Cellpose's utils.stitch3D joins them: an object takes the label of the previous
/// plane's object it overlaps with IoU at or above the threshold, if it is that object's best match; every other object
/// gets a new label. Planes are ordered T-major (Z fastest); time points are never joined to each other.
/// </summary>
public static class PlaneStitching
{
    /// <param name="planes">Masks of plane (z, t) at index t * sizeZ + z, labels 0 = background.</param>
    /// <param name="sizeZ">Z planes per time point (stitching runs along Z only).</param>
    /// <param name="stitchThreshold">0 = no stitching; otherwise the IoU (0..1] two objects need to be joined.</param>
    public static LabelImage[] Join(IReadOnlyList<LabelImage> planes, int sizeZ, double stitchThreshold)
    {
        ArgumentNullException.ThrowIfNull(planes);
        if (sizeZ < 1 || planes.Count % sizeZ != 0)
            throw new ArgumentException($"{planes.Count} planes do not form time points of {sizeZ} Z planes", nameof(sizeZ));
        if (stitchThreshold is < 0 or > 1 || double.IsNaN(stitchThreshold))
            throw new ArgumentOutOfRangeException(nameof(stitchThreshold), stitchThreshold, "the stitch threshold is an IoU: 0 (off) to 1");
        var result = new LabelImage[planes.Count];
        int used = 0;
        for (int i = 0; i < planes.Count; i++)
        {
            var plane = planes[i];
            if (i > 0 && (plane.Height != planes[0].Height || plane.Width != planes[0].Width))
                throw new ArgumentException($"plane {i} is {plane.Width}x{plane.Height}, plane 0 is {planes[0].Width}x{planes[0].Height}", nameof(planes));
            bool stitch = stitchThreshold > 0 && i % sizeZ != 0;
            result[i] = stitch ? StitchToPrevious(plane, result[i - 1], stitchThreshold, ref used) : Shift(plane, ref used);
        }
        return result;
    }

    /// <summary>Shifts every label by the labels used so far (keeping the plane's own numbering, gaps included).</summary>
    private static LabelImage Shift(LabelImage plane, ref int used)
    {
        int offset = used, max = 0;
        var labels = new int[plane.Labels.Length];
        for (int p = 0; p < labels.Length; p++)
        {
            int v = plane.Labels[p];
            if (v == 0) continue;
            if (v > max) max = v;
            labels[p] = checked(v + offset);
        }
        used = checked(offset + max);
        return new LabelImage(labels, plane.Height, plane.Width);
    }

    private static LabelImage StitchToPrevious(LabelImage plane, LabelImage previous, double threshold, ref int used)
    {
        var overlap = ObjectOverlap.Compute(plane, previous);
        // For every previous object, its best current match at or above the threshold (ties all kept, as Cellpose keeps them).
        var bestForPrevious = new double[overlap.PredCount];
        var candidates = new List<(int Current, int Previous, double Iou)>();
        foreach (var (current, prev, _) in overlap.Pairs)
        {
            double iou = overlap.Iou(current, prev);
            if (iou < threshold) continue;
            candidates.Add((current, prev, iou));
            if (iou > bestForPrevious[prev]) bestForPrevious[prev] = iou;
        }
        // Each current object joins the previous object it overlaps most among those that kept it; ties go to the lower label.
        var join = new int[overlap.TrueCount];
        var joinIou = new double[overlap.TrueCount];
        foreach (var (current, prev, iou) in candidates)
        {
            if (iou < bestForPrevious[prev]) continue;
            int label = overlap.PredLabels[prev];
            if (iou > joinIou[current] || (iou == joinIou[current] && label < join[current]))
            {
                join[current] = label;
                joinIou[current] = iou;
            }
        }
        var newLabel = new Dictionary<int, int>(overlap.TrueCount);
        for (int k = 0; k < overlap.TrueCount; k++)
            newLabel[overlap.TrueLabels[k]] = join[k] != 0 ? join[k] : checked(++used);
        var labels = new int[plane.Labels.Length];
        for (int p = 0; p < labels.Length; p++)
        {
            int v = plane.Labels[p];
            if (v != 0) labels[p] = newLabel[v];
        }
        return new LabelImage(labels, plane.Height, plane.Width);
    }
}
