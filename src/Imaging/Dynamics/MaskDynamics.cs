using System.Diagnostics;
using AcqSeg.Imaging.Io;
using AcqSeg.Imaging.Memory;

namespace AcqSeg.Imaging.Dynamics;

/// <summary>
/// Cellpose v2.3.2's CPU dynamics: flows from masks for training and quality control, and masks from predicted flows
/// (compute_masks: follow_flows, get_masks, remove_bad_flow_masks, fill_holes_and_remove_small_masks).
/// </summary>
public static class MaskDynamics
{
    /// <summary>Unit flows (dY, dX) of every object (masks_to_flows).</summary>
    public static FlowField FlowsFromMasks(LabelImage masks) => MaskFlows.FromMasks(masks);

    public static MaskResult ComputeMasks(FlowField dP, float[] cellprob, MaskOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(dP);
        return ComputeMasks(dP.DY, dP.DX, cellprob, dP.Height, dP.Width, options);
    }

    /// <summary>From Cellpose-layout images: dP with 2 channels (dY, dX) and a 1-channel cellprob of the same size.</summary>
    public static MaskResult ComputeMasks(ImageData dP, ImageData cellprob, MaskOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(dP);
        ArgumentNullException.ThrowIfNull(cellprob);
        if (dP.Channels != 2)
            throw new ArgumentException($"flows have {dP.Channels} channels; pass the 2-channel dP (dY, dX) written as NAME_cp_dP.tif", nameof(dP));
        if (cellprob.Channels != 1 || cellprob.Height != dP.Height || cellprob.Width != dP.Width)
            throw new ArgumentException($"cellprob is {cellprob.Channels}x{cellprob.Height}x{cellprob.Width}; it must be one {dP.Height}x{dP.Width} plane matching the flows", nameof(cellprob));
        return ComputeMasks(dP.Channel(0).ToArray(), dP.Channel(1).ToArray(), cellprob.Data, dP.Height, dP.Width, options);
    }

    /// <param name="dY">network flow in y (Cellpose's dP[0], i.e. 5x a unit flow), row-major</param>
    /// <param name="dX">network flow in x (dP[1])</param>
    /// <param name="cellprob">cell-probability logits</param>
    public static MaskResult ComputeMasks(float[] dY, float[] dX, float[] cellprob, int height, int width, MaskOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(dY);
        ArgumentNullException.ThrowIfNull(dX);
        ArgumentNullException.ThrowIfNull(cellprob);
        var o = options ?? MaskOptions.Default;
        if (height < 1 || width < 1) throw new ArgumentOutOfRangeException(nameof(height), $"image shape {height}x{width} must be positive");
        int size = height * width;
        if (dY.Length != size || dX.Length != size || cellprob.Length != size)
            throw new ArgumentException($"dY, dX and cellprob have {dY.Length}, {dX.Length} and {cellprob.Length} values; a {height}x{width} image needs {size} each");
        if (double.IsNaN(o.FlowThreshold)) throw new ArgumentException("FlowThreshold is NaN; pass a number (Cellpose's default is 0.4, 0 turns the check off)", nameof(options));
        if (float.IsNaN(o.CellprobThreshold)) throw new ArgumentException("CellprobThreshold is NaN; pass a number (Cellpose's default is 0)", nameof(options));
        int niter = o.Iterations;

        var watch = Stopwatch.StartNew();
        var isCell = new bool[size];
        bool any = false;
        for (int i = 0; i < size; i++)
        {
            isCell[i] = cellprob[i] > o.CellprobThreshold;
            any |= isCell[i];
        }
        if (!any) return Empty(height, width, watch.Elapsed.TotalSeconds, 0);

        TrackedPixels tracked = Follow(dY, dX, cellprob, height, width, niter, o);
        LargeFrames.ReleaseBetweenStages(size);
        if (tracked.MovingPixels < FlowFollower.MinMovingPixels) return Empty(height, width, watch.Elapsed.TotalSeconds, tracked.MovingPixels);

        int moving = tracked.MovingPixels;
        var (labels, clustered) = ConvergenceClustering.GetMasks(tracked, isCell);
        double dynamicsSeconds = watch.Elapsed.TotalSeconds;
        tracked = null!;
        LargeFrames.ReleaseBetweenStages(size);

        watch.Restart();
        double[] errors = [];
        int droppedByFlow = 0;
        if (clustered > 0 && o.FlowThreshold > 0)
            (errors, droppedByFlow) = FlowQualityControl.RemoveBadFlowMasks(labels, height, width, dY, dX, o.FlowThreshold);
        var (_, droppedSmall) = MaskCleanup.FillHolesAndRemoveSmall(labels, height, width, o.MinSize);
        double qcSeconds = watch.Elapsed.TotalSeconds;

        return new MaskResult
        {
            Masks = new LabelImage(labels, height, width),
            MasksBeforeQc = clustered,
            DroppedByFlowQc = droppedByFlow,
            DroppedAsSmall = droppedSmall,
            FlowErrors = errors,
            MovingPixels = moving,
            DynamicsSeconds = dynamicsSeconds,
            QcSeconds = qcSeconds,
        };
    }

    private static TrackedPixels Follow(float[] dY, float[] dX, float[] cellprob, int height, int width, int niter, MaskOptions o)
    {
        var (my, mx) = FlowFollower.MaskedFlows(dY, dX, cellprob, o.CellprobThreshold);
        return o.Interp
            ? FlowFollower.Follow(my, mx, height, width, niter, o.ConvergedStep)
            : NearestFlowFollower.Follow(my, mx, height, width, niter);
    }

    private static MaskResult Empty(int height, int width, double seconds, int moving) => new()
    {
        Masks = new LabelImage(new int[height * width], height, width),
        MovingPixels = moving,
        DynamicsSeconds = seconds,
    };
}
