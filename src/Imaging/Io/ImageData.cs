namespace AcqSeg.Imaging.Io;

/// <summary>
/// A 2-D image with one or more channels, planar (channel-major: index = (c * Height + y) * Width + x), as float32.
/// Float32 holds every 8- and 16-bit value exactly, which is all normalisation needs; labels use <see cref="LabelImage"/>.
/// </summary>
public sealed class ImageData
{
    public ImageData(float[] data, int channels, int height, int width, TiffMetadata? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (channels < 1 || height < 1 || width < 1)
            throw new ArgumentOutOfRangeException(nameof(channels), $"image shape {channels}x{height}x{width} must be positive");
        if (data.Length != (long)channels * height * width)
            throw new ArgumentException($"data has {data.Length} values, shape {channels}x{height}x{width} needs {(long)channels * height * width}", nameof(data));
        Data = data;
        Channels = channels;
        Height = height;
        Width = width;
        Metadata = metadata ?? TiffMetadata.Empty;
    }

    public float[] Data { get; }
    public int Channels { get; }
    public int Height { get; }
    public int Width { get; }
    public TiffMetadata Metadata { get; }

    public int PlaneSize => Height * Width;

    public Span<float> Channel(int c) => Data.AsSpan(c * PlaneSize, PlaneSize);
}

/// <summary>Instance labels (0 = background), row-major.</summary>
public sealed class LabelImage
{
    public LabelImage(int[] labels, int height, int width)
    {
        ArgumentNullException.ThrowIfNull(labels);
        if (height < 1 || width < 1) throw new ArgumentOutOfRangeException(nameof(height), $"label shape {height}x{width} must be positive");
        if (labels.Length != height * width)
            throw new ArgumentException($"labels have {labels.Length} values, shape {height}x{width} needs {height * width}", nameof(labels));
        Labels = labels;
        Height = height;
        Width = width;
    }

    public int[] Labels { get; }
    public int Height { get; }
    public int Width { get; }

    public int this[int y, int x] => Labels[y * Width + x];

    public int MaxLabel
    {
        get
        {
            int m = 0;
            foreach (int v in Labels) if (v > m) m = v;
            return m;
        }
    }

    /// <summary>Number of distinct non-zero labels (labels may skip values).</summary>
    public int CountObjects() => Labels.Where(v => v != 0).Distinct().Count();
}
