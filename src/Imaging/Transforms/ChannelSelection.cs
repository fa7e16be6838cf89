using AcqSeg.Imaging.Io;

namespace AcqSeg.Imaging.Transforms;

/// <summary>
/// Cellpose's channels = [chan, chan2] rule (transforms.reshape): the network always sees two planes.
/// chan 0 = grayscale (mean of all channels), 1..3 = R/G/B (1-based channel index); chan2 0 = none, 1..3 = that
/// channel. A single-channel image ignores the setting. Missing second planes are zeros.
/// </summary>
public static class ChannelSelection
{
    public const int NetworkChannels = 2;

    /// <returns>Planar float32 [2, H, W].</returns>
    public static float[] ToNetworkInput(ImageData image, int chan, int chan2)
    {
        ArgumentNullException.ThrowIfNull(image);
        if (chan is < 0 or > 3)
            throw new ArgumentOutOfRangeException(nameof(chan), chan, "channel to segment must be 0 (gray), 1 (red), 2 (green) or 3 (blue)");
        if (chan2 is < 0 or > 3)
            throw new ArgumentOutOfRangeException(nameof(chan2), chan2, "optional nuclear channel must be 0 (none), 1 (red), 2 (green) or 3 (blue)");

        int plane = image.PlaneSize;
        var result = new float[NetworkChannels * plane];
        if (image.Channels == 1)
        {
            image.Channel(0).CopyTo(result);
            return result;
        }
        if (chan == 0)
        {
            GrayMean(image, result.AsSpan(0, plane));
            return result;
        }
        RequireChannel(image, chan, nameof(chan));
        image.Channel(chan - 1).CopyTo(result.AsSpan(0, plane));
        if (chan2 > 0)
        {
            RequireChannel(image, chan2, nameof(chan2));
            image.Channel(chan2 - 1).CopyTo(result.AsSpan(plane, plane));
        }
        return result;
    }

    private static void RequireChannel(ImageData image, int oneBased, string name)
    {
        if (oneBased > image.Channels)
            throw new ArgumentOutOfRangeException(name, oneBased,
                $"the image has {image.Channels} channels, so channel {oneBased} does not exist; choose 1..{Math.Min(3, image.Channels)} or 0");
    }

    /// <summary>numpy's float32 mean over a short channel axis: a float32 running sum divided by the count.</summary>
    private static void GrayMean(ImageData image, Span<float> target)
    {
        int channels = image.Channels;
        float[] data = image.Data;
        int plane = image.PlaneSize;
        for (int i = 0; i < plane; i++)
        {
            float sum = 0f;
            for (int c = 0; c < channels; c++) sum += data[c * plane + i];
            target[i] = sum / channels;
        }
    }
}
