namespace AcqSeg.Imaging.Dynamics;

/// <summary>
/// Cellpose's remove_bad_flow_masks / metrics.flow_error: flows are recomputed from each candidate object and
/// compared with the network's flows / 5; the error is the mean squared difference over the object's pixels, summed
/// over the two components. Objects whose error exceeds the threshold are removed.
/// </summary>
public static class FlowQualityControl
{
    /// <summary>Error per label 1..N (index label - 1); NaN for an absent label.</summary>
    public static double[] FlowErrors(int[] labels, int height, int width, float[] dY, float[] dX)
    {
        var boxes = ObjectBoxes.FindByLabel(labels, height, width);
        var errors = new double[boxes.Length];
        Parallel.For(0, boxes.Length, () => new ObjectFlowBuffer(), (l, _, buffer) =>
        {
            if (boxes[l] is not { } box)
            {
                errors[l] = double.NaN;
                return buffer;
            }
            ObjectFlow.Compute(labels, width, box, buffer);
            // Two separate raster-order sums, as scipy's labelled mean (bincount) forms them, then mean + mean.
            double sumY = 0, sumX = 0;
            for (int k = 0; k < buffer.Count; k++)
            {
                int p = buffer.PixelIndex[k];
                double ey = buffer.FlowY[k] - (double)(dY[p] / 5f);
                double ex = buffer.FlowX[k] - (double)(dX[p] / 5f);
                sumY += ey * ey;
                sumX += ex * ex;
            }
            errors[l] = 0.0 + sumY / buffer.Count + sumX / buffer.Count;
            return buffer;
        }, _ => { });
        return errors;
    }

    /// <summary>Zeroes objects whose flow error exceeds <paramref name="threshold"/>; returns the errors and how many went.</summary>
    public static (double[] Errors, int Removed) RemoveBadFlowMasks(int[] labels, int height, int width, float[] dY, float[] dX, double threshold)
    {
        double[] errors = FlowErrors(labels, height, width, dY, dX);
        var bad = new bool[errors.Length + 1];
        int removed = 0;
        for (int l = 0; l < errors.Length; l++)
        {
            if (errors[l] > threshold)
            {
                bad[l + 1] = true;
                removed++;
            }
        }
        if (removed > 0)
        {
            for (int i = 0; i < labels.Length; i++) if (bad[labels[i]]) labels[i] = 0;
        }
        return (errors, removed);
    }
}
