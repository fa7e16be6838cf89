using System.Diagnostics;
using AcqSeg.Engine.Network;
using AcqSeg.Imaging.Dynamics;
using AcqSeg.Imaging.Io;
using AcqSeg.Imaging.Memory;
using AcqSeg.Imaging.Transforms;
using TorchSharp;
using static TorchSharp.torch;

namespace AcqSeg.Engine.Inference;

/// <summary>
/// A loaded CPnet and Cellpose v2.3.2's network pass around it (CellposeModel.eval up to the dynamics): channel
/// selection, normalize99, rescale, pad, tiled run with taper blending (or one whole-frame pass), crop, resample.
/// Not thread-safe: use one instance per thread.
/// </summary>
public sealed class CellposeModel : IDisposable
{
    private readonly CellposeNet net;
    private FastCellposeNet? fastNet;

    private CellposeModel(CellposeNet net, torch.Device device, string path)
    {
        this.net = net;
        Device = device;
        SourcePath = path;
        bf16 = new Lazy<(bool, string)>(() =>
        {
            var (_, allowed, reason) = Models.Precision.Bf16Check.Beside(path);
            return (allowed, reason);
        });
        DiamMean = net.DiamMean;
        DiamLabels = net.DiamLabels;
    }

    /// <summary>Loads a Cellpose state dict (widths read from the file), moves it to the device, eval mode.</summary>
    public static CellposeModel Load(string path, DeviceChoice? device = null)
    {
        torch.Device target = (device ?? DeviceChoice.Auto).Resolve();
        CellposeNet net = CellposeWeights.LoadNetwork(path);
        try
        {
            net.to(target);
            net.eval();
            return new CellposeModel(net, target, path);
        }
        catch
        {
            net.Dispose();
            throw;
        }
    }

    public torch.Device Device { get; }
    public string SourcePath { get; }

    private readonly Lazy<(bool Allowed, string Reason)> bf16;

    /// <summary>Object diameter the network was trained at (images are rescaled by DiamMean / diameter).</summary>
    public double DiamMean { get; }

    /// <summary>Mean diameter of the training labels.</summary>
    public double DiamLabels { get; }

    /// <summary>The underlying network (for saving or further training).</summary>
    public CellposeNet Network => net;

    /// <summary>Runs the network on one image; outputs are at the input size unless Resample is off.</summary>
    public NetworkOutput Run(ImageData image, EvalSettings? settings = null, CancellationToken cancel = default)
    {
        ArgumentNullException.ThrowIfNull(image);
        return RunBatch([image], settings, cancel)[0];
    }

    /// <summary>
    /// Runs the network on frames of one size and channel count together: each network call takes the same tile of every
    /// frame (with the fast path, tile k of all frames; with Cellpose's tiles, BatchSize tile positions of all frames; without
    /// tiling, the whole frames), so the frames share their forward passes while a pass's memory is that of one frame's tiles
    /// times the frame count. Each frame's output is its own (its own style, blending and crop); its NetworkTime counts its
    /// share of the shared passes. One frame runs exactly as <see cref="Run"/> always has.
    /// </summary>
    /// <param name="cancel">checked before each forward pass (a tile, or a batch of tiles): a stopping service gives up a
    /// frame within one pass rather than after the whole frame</param>
    public IReadOnlyList<NetworkOutput> RunBatch(IReadOnlyList<ImageData> images, EvalSettings? settings = null, CancellationToken cancel = default)
    {
        ArgumentNullException.ThrowIfNull(images);
        if (images.Count == 0) throw new ArgumentException("no images to run", nameof(images));
        settings ??= new EvalSettings();
        if (settings.BatchSize < 1) throw new ArgumentOutOfRangeException(nameof(settings), settings.BatchSize, "BatchSize must be at least 1");
        if (settings.Diameter is < 0 or double.NaN) throw new ArgumentOutOfRangeException(nameof(settings), settings.Diameter, "Diameter must be positive (or 0/null for the model's diam_mean)");
        var first = images[0];
        foreach (var other in images)
        {
            ArgumentNullException.ThrowIfNull(other, nameof(images));
            if ((other.Height, other.Width, other.Channels) != (first.Height, first.Width, first.Channels))
                throw new ArgumentException($"the frames of one network pass must share their size: {other.Height}x{other.Width}x{other.Channels} " +
                    $"beside {first.Height}x{first.Width}x{first.Channels}; run frames of other sizes in passes of their own", nameof(images));
        }

        int n = images.Count, height = first.Height, width = first.Width;
        double rescale = settings.Diameter is double d && d > 0 ? (double)(float)DiamMean / d : 1.0;
        int ly = height, lx = width;
        if (rescale != 1.0)
        {
            ly = BilinearResize.ScaledLength(height, rescale);
            lx = BilinearResize.ScaledLength(width, rescale);
        }
        var padded = new PaddedImage[n];
        var normalizeTimes = new TimeSpan[n];
        var networkTimes = new TimeSpan[n];
        var clock = new Stopwatch();
        for (int f = 0; f < n; f++)
        {
            clock.Restart();
            float[] input = ChannelSelection.ToNetworkInput(images[f], settings.Channel, settings.Channel2);
            if (input.Length / height / width != net.InputChannels)
                throw new InvalidOperationException($"the network expects {net.InputChannels} input channels, Cellpose's preprocessing gives {ChannelSelection.NetworkChannels}");
            if (settings.Normalize || settings.Invert)
                Normalization.NormalizePlanes(input, ChannelSelection.NetworkChannels, height * width, settings.Invert);
            normalizeTimes[f] = clock.Elapsed;

            clock.Restart();
            if (rescale != 1.0) input = BilinearResize.Resize(input, ChannelSelection.NetworkChannels, height, width, ly, lx);
            padded[f] = ImagePadding.Pad(input, ChannelSelection.NetworkChannels, ly, lx);
            input = null!; // the unpadded copy (and the decoder's and normaliser's garbage) can go before the blender allocates
            LargeFrames.ReleaseBetweenStages((long)ly * lx);
            networkTimes[f] = clock.Elapsed;
        }

        clock.Restart();
        (float[] Output, float[] Style)[] raw;
        using (LargeFrames.NativeHeapScope((long)ly * lx))
        {
            cancel.ThrowIfCancellationRequested();
            raw = settings.Fast && !settings.Augment && (!settings.Tile || settings.FastTiles == FastTiles.Large)
                ? RunFast(padded, settings, cancel)
                : settings.Tile || settings.Augment
                    ? RunTiled(padded, settings, settings.Fast && !settings.Augment ? FastForward(settings.Precision) : Forward, cancel)
                    : RunWholeFrame(padded);
        }
        var shared = clock.Elapsed / n;
        var (paddedHeight, paddedWidth, top, left) = (padded[0].Height, padded[0].Width, padded[0].Top, padded[0].Left);
        padded = null!; // the padded inputs are garbage from here on
        LargeFrames.ReleaseBetweenStages((long)ly * lx);

        var outputs = new NetworkOutput[n];
        int outHeight = settings.Resample ? height : ly, outWidth = settings.Resample ? width : lx;
        for (int f = 0; f < n; f++)
        {
            clock.Restart();
            var (output, style) = raw[f];
            raw[f] = default;
            StyleVector.Normalize(style);
            // One plane at a time: a full-frame copy of all three outputs would double the peak memory on large frames.
            var planes = new float[CellposeNet.OutputChannels][];
            for (int c = 0; c < planes.Length; c++)
            {
                float[] plane = ImagePadding.CropPlane(output, paddedHeight, paddedWidth, c, top, left, ly, lx);
                planes[c] = settings.Resample && (ly != height || lx != width) ? BilinearResize.Resize(plane, 1, ly, lx, height, width) : plane;
            }
            outputs[f] = new NetworkOutput(planes[0], planes[1], planes[2], outHeight, outWidth, style, rescale, normalizeTimes[f],
                networkTimes[f] + shared + clock.Elapsed);
        }
        return outputs;
    }

    /// <summary>One pass over the padded frames (Cellpose with tile=False).</summary>
    private (float[] Output, float[] Style)[] RunWholeFrame(PaddedImage[] padded)
    {
        var p = padded[0];
        int n = padded.Length, length = p.Channels * p.Height * p.Width;
        float[] batch = n == 1 ? p.Data : new float[(long)n * length];
        if (n > 1) for (int f = 0; f < n; f++) padded[f].Data.AsSpan(0, length).CopyTo(batch.AsSpan(f * length, length));
        var (output, styles) = Forward(batch, n, p.Height, p.Width);
        return Split(output, styles, n);
    }

    /// <summary>The fast network over large overlapping tiles (or the whole frame when Tile is off), taper-blended; each
    /// forward pass takes the same tile of every frame.</summary>
    private (float[] Output, float[] Style)[] RunFast(PaddedImage[] padded, EvalSettings settings, CancellationToken cancel)
    {
        var fast = FastNetwork(settings.Precision);
        int n = padded.Length, channels = padded[0].Channels, ly = padded[0].Height, lx = padded[0].Width;
        var (ys, th) = settings.Tile ? FastTiling.Plan(ly, settings.FastTileSize, settings.FastTileOverlap) : ([0], ly);
        var (xs, tw) = settings.Tile ? FastTiling.Plan(lx, settings.FastTileSize, settings.FastTileOverlap) : ([0], lx);
        bool blend = ys.Length * xs.Length > 1;
        var blenders = blend ? padded.Select(_ => new TileBlender(CellposeNet.OutputChannels, ly, lx, th, tw)).ToArray() : null;
        int tileIn = channels * th * tw, tileOut = CellposeNet.OutputChannels * th * tw, styleLength = fast.Widths[4];
        var tiles = new float[n * tileIn];
        var styleSums = padded.Select(_ => new float[styleLength]).ToArray();
        var single = new float[n][];
        foreach (int y0 in ys)
        {
            foreach (int x0 in xs)
            {
                cancel.ThrowIfCancellationRequested();
                for (int f = 0; f < n; f++)
                    CopyTile(padded[f].Data, channels, ly, lx, y0, x0, th, tw, false, false, tiles.AsSpan(f * tileIn, tileIn));
                using var scope = NewDisposeScope();
                var (output, style) = fast.Forward(torch.tensor(tiles, [n, channels, th, tw], ScalarType.Float32));
                var styleValues = style.cpu().data<float>();
                float[] values = output.cpu().data<float>().ToArray();
                for (int f = 0; f < n; f++)
                {
                    var sum = styleSums[f];
                    for (int k = 0; k < styleLength; k++) sum[k] += styleValues[f * styleLength + k];
                    if (blenders is not null) blenders[f].Add(values.AsSpan(f * tileOut, tileOut), y0, x0);
                    else single[f] = n == 1 ? values : values[(f * tileOut)..((f + 1) * tileOut)];
                }
            }
        }
        // The mean of the tiles' styles (Cellpose's first tile counts twice; not reproduced here), normalised by the caller.
        var results = new (float[] Output, float[] Style)[n];
        for (int f = 0; f < n; f++)
        {
            for (int k = 0; k < styleLength; k++) styleSums[f][k] /= ys.Length * xs.Length;
            results[f] = (blenders?[f].Result() ?? single[f], styleSums[f]);
        }
        return results;
    }

    /// <summary>What the bf16 check beside these weights says (read once): whether auto may run bf16, and why.</summary>
    public (bool Allowed, string Reason) Bf16 => bf16.Value;

    /// <summary>The arithmetic <paramref name="precision"/> runs in for these weights on this device.</summary>
    public ScalarType ResolvePrecision(NetworkPrecision precision) => precision.Resolve(Device, () => Bf16.Allowed);

    /// <summary>The fast rewrite of the network, built on first use (and again when the precision changes).</summary>
    private FastCellposeNet FastNetwork(NetworkPrecision precision)
    {
        var type = ResolvePrecision(precision);
        if (fastNet is null || fastNet.Precision != type)
        {
            fastNet?.Dispose();
            fastNet = new FastCellposeNet(net, type, Device);
        }
        return fastNet;
    }

    /// <summary>Cellpose's _run_tiled for 2-D images of one size, including test-time augmentation, with the exact network's
    /// <see cref="Forward"/> or the fast one's; each forward pass takes the same BatchSize tile positions of every frame.</summary>
    private (float[] Output, float[] Style)[] RunTiled(PaddedImage[] padded, EvalSettings settings, Func<float[], int, int, int, (float[] Output, float[] Style)> forward,
        CancellationToken cancel)
    {
        int n = padded.Length, channels = padded[0].Channels;
        var images = padded.Select(p => p.Data).ToArray();
        int ly = padded[0].Height, lx = padded[0].Width;
        int[] ys, xs;
        int th, tw;
        if (settings.Augment)
        {
            // Images smaller than a tile are zero-padded at the end to one tile.
            int ay = Math.Max(ly, Tiling.TileSize), ax = Math.Max(lx, Tiling.TileSize);
            if (ay != ly || ax != lx)
            {
                for (int f = 0; f < n; f++)
                    images[f] = PadEnd(ImagePadding.Crop(images[f], channels, ly, lx, 0, 0, ly, lx), channels, ly, lx, ay, ax);
                ly = ay;
                lx = ax;
            }
            ys = Tiling.AugmentedStarts(ly);
            xs = Tiling.AugmentedStarts(lx);
            th = tw = Tiling.TileSize;
        }
        else
        {
            ys = Tiling.Starts(ly, settings.TileOverlap);
            xs = Tiling.Starts(lx, settings.TileOverlap);
            th = Tiling.TileLength(ly);
            tw = Tiling.TileLength(lx);
        }

        var tiles = new List<(int J, int I)>(ys.Length * xs.Length);
        for (int j = 0; j < ys.Length; j++)
            for (int i = 0; i < xs.Length; i++)
                tiles.Add((j, i));

        var blenders = images.Select(_ => new TileBlender(CellposeNet.OutputChannels, ly, lx, th, tw)).ToArray();
        int tileIn = channels * th * tw, tileOut = CellposeNet.OutputChannels * th * tw;
        var styleSums = new float[n][];
        var tile = new float[tileOut];
        for (int start = 0; start < tiles.Count; start += settings.BatchSize)
        {
            cancel.ThrowIfCancellationRequested();
            int count = Math.Min(settings.BatchSize, tiles.Count - start);
            // Frame-major: frame f's tiles of this step are batch entries f * count .. f * count + count - 1.
            var batch = new float[n * count * tileIn];
            for (int f = 0; f < n; f++)
            {
                for (int b = 0; b < count; b++)
                {
                    var (j, i) = tiles[start + b];
                    CopyTile(images[f], channels, ly, lx, ys[j], xs[i], th, tw, FlipY(j, i, settings.Augment), FlipX(j, i, settings.Augment),
                        batch.AsSpan((f * count + b) * tileIn, tileIn));
                }
            }
            var (output, styles) = forward(batch, n * count, th, tw);

            int styleLength = styles.Length / (n * count);
            for (int f = 0; f < n; f++)
            {
                // Cellpose seeds the sum with the first tile's style and then adds every tile (the first counts twice).
                styleSums[f] ??= styles[(f * count * styleLength)..((f * count + 1) * styleLength)];
                var batchSum = new float[styleLength];
                for (int b = 0; b < count; b++)
                    for (int k = 0; k < styleLength; k++) batchSum[k] += styles[(f * count + b) * styleLength + k];
                for (int k = 0; k < styleLength; k++) styleSums[f][k] += batchSum[k];

                for (int b = 0; b < count; b++)
                {
                    var (j, i) = tiles[start + b];
                    var src = output.AsSpan((f * count + b) * tileOut, tileOut);
                    if (settings.Augment) Unaugment(src, tile, th, tw, FlipY(j, i, true), FlipX(j, i, true));
                    else src.CopyTo(tile);
                    blenders[f].Add(tile, ys[j], xs[i]);
                }
            }
        }

        var results = new (float[] Output, float[] Style)[n];
        for (int f = 0; f < n; f++)
        {
            float[] style = styleSums[f];
            for (int k = 0; k < style.Length; k++) style[k] /= tiles.Count;
            StyleVector.Normalize(style);

            float[] blended = blenders[f].Result();
            if (ly != padded[f].Height || lx != padded[f].Width)
                blended = ImagePadding.Crop(blended, CellposeNet.OutputChannels, ly, lx, 0, 0, padded[f].Height, padded[f].Width);
            results[f] = (blended, style);
        }
        return results;
    }

    /// <summary>A batch's outputs [n, 3, h, w] and styles [n, S] as n frames' planar outputs and styles.</summary>
    private static (float[] Output, float[] Style)[] Split(float[] output, float[] styles, int n)
    {
        if (n == 1) return [(output, styles)];
        int outLength = output.Length / n, styleLength = styles.Length / n;
        return Enumerable.Range(0, n)
            .Select(f => (output[(f * outLength)..((f + 1) * outLength)], styles[(f * styleLength)..((f + 1) * styleLength)]))
            .ToArray();
    }

    // Augmented tiles: (even row, odd column) flipped in y, (odd, even) in x, (odd, odd) in both.
    private static bool FlipY(int j, int i, bool augment) => augment && i % 2 == 1;
    private static bool FlipX(int j, int i, bool augment) => augment && j % 2 == 1;

    /// <summary>Runs the network on a planar batch [n, C, h, w]; returns outputs [n, 3, h, w] and styles [n, S].</summary>
    private (float[] Output, float[] Style) Forward(float[] batch, int n, int h, int w)
    {
        using var scope = NewDisposeScope();
        using var noGrad = torch.no_grad();
        Tensor x = torch.tensor(batch, [n, net.InputChannels, h, w], ScalarType.Float32).to(Device);
        var (y, style) = net.forward(x);
        float[] output = y.to(ScalarType.Float32).cpu().data<float>().ToArray();
        float[] styles = style.to(ScalarType.Float32).cpu().data<float>().ToArray();
        return (output, styles);
    }

    /// <summary><see cref="Forward"/> on the fast network: the same planar batch in, the same float32 outputs and styles out.</summary>
    private Func<float[], int, int, int, (float[] Output, float[] Style)> FastForward(NetworkPrecision precision)
    {
        var fast = FastNetwork(precision);
        return (batch, n, h, w) =>
        {
            using var scope = NewDisposeScope();
            var (y, style) = fast.Forward(torch.tensor(batch, [n, net.InputChannels, h, w], ScalarType.Float32));
            return (y.cpu().data<float>().ToArray(), style.cpu().data<float>().ToArray());
        };
    }

    private static void CopyTile(float[] image, int channels, int ly, int lx, int y0, int x0, int th, int tw, bool flipY, bool flipX, Span<float> target)
    {
        for (int c = 0; c < channels; c++)
        {
            for (int y = 0; y < th; y++)
            {
                int srcY = flipY ? y0 + th - 1 - y : y0 + y;
                var row = image.AsSpan((c * ly + srcY) * lx + x0, tw);
                var dst = target.Slice((c * th + y) * tw, tw);
                row.CopyTo(dst);
                if (flipX) dst.Reverse();
            }
        }
    }

    /// <summary>Undoes a tile's flips and negates the flow component along each flipped axis.</summary>
    private static void Unaugment(ReadOnlySpan<float> src, float[] target, int th, int tw, bool flipY, bool flipX)
    {
        for (int c = 0; c < CellposeNet.OutputChannels; c++)
        {
            float sign = (c == 0 && flipY) || (c == 1 && flipX) ? -1f : 1f;
            for (int y = 0; y < th; y++)
            {
                int srcY = flipY ? th - 1 - y : y;
                var row = src.Slice((c * th + srcY) * tw, tw);
                var dst = target.AsSpan((c * th + y) * tw, tw);
                row.CopyTo(dst);
                if (flipX) dst.Reverse();
                if (sign < 0) for (int x = 0; x < tw; x++) dst[x] = -dst[x];
            }
        }
    }

    private static float[] PadEnd(float[] image, int channels, int height, int width, int newHeight, int newWidth)
    {
        var result = new float[(long)channels * newHeight * newWidth];
        for (int c = 0; c < channels; c++)
            for (int y = 0; y < height; y++)
                image.AsSpan((c * height + y) * width, width).CopyTo(result.AsSpan((c * newHeight + y) * newWidth, width));
        return result;
    }

    public void Dispose()
    {
        fastNet?.Dispose();
        net.Dispose();
    }
}
