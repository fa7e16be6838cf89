using AcqSeg.Imaging.Dynamics;
using AcqSeg.Imaging.Io;
using AcqSeg.Imaging.Transforms;

namespace AcqSeg.Engine.Training;

/// <summary>Finds image/mask pairs in a folder and turns them into <see cref="TrainingSample"/>s the way Cellpose's
/// train() prepares them: channel selection, normalize99 per channel, flows from the masks.</summary>
public static class TrainingData
{
    /// <summary>
    /// Pairs X.tif with X{maskSuffix}.tif (Cellpose's layout) and NAME_img.tif with NAME{maskSuffix}.tif (the
    /// ../shared/data layout); without those, with the Cellpose GUI's X_seg.npy. Files that are themselves masks or
    /// outputs are not images.
    /// </summary>
    public static IReadOnlyList<(string Image, string Masks)> FindPairs(string folder, string maskSuffix = "_masks")
    {
        if (!Directory.Exists(folder)) throw new DirectoryNotFoundException($"training folder '{folder}' does not exist");
        var pairs = new List<(string, string)>();
        foreach (string image in Directory.EnumerateFiles(folder, "*.tif").Order(StringComparer.Ordinal))
        {
            string stem = Path.GetFileNameWithoutExtension(image);
            if (stem.EndsWith(maskSuffix, StringComparison.Ordinal) || stem.EndsWith("_flows", StringComparison.Ordinal)
                || stem.EndsWith("_cp_masks", StringComparison.Ordinal)) continue;
            if (MasksFor(image, maskSuffix) is { } masks) pairs.Add((image, masks));
        }
        return pairs;
    }

    /// <summary>
    /// The ground-truth masks beside an image: X + suffix + .tif for X.tif, or NAME + suffix + .tif for NAME_img.tif;
    /// else X_seg.npy (what the Cellpose GUI saves). A suffix ending in .npy (Cellpose's --mask_filter _seg.npy) names
    /// the file exactly.
    /// </summary>
    public static string? MasksFor(string image, string maskSuffix = "_masks")
    {
        string folder = Path.GetDirectoryName(image) ?? ".";
        string stem = Path.GetFileNameWithoutExtension(image);
        if (maskSuffix.EndsWith(".npy", StringComparison.OrdinalIgnoreCase))
        {
            string npy = Path.Combine(folder, stem + maskSuffix);
            return File.Exists(npy) ? npy : null;
        }
        string direct = Path.Combine(folder, stem + maskSuffix + ".tif");
        if (File.Exists(direct)) return direct;
        string shared = stem.EndsWith("_img", StringComparison.Ordinal) ? Path.Combine(folder, stem[..^4] + maskSuffix + ".tif") : direct;
        if (File.Exists(shared)) return shared;
        string seg = CellposeSegFile.PathFor(image);
        return File.Exists(seg) ? seg : null;
    }

    /// <summary>The median object diameter of the masks beside an image (see <see cref="MasksFor"/>); null without masks or objects.</summary>
    public static double? MasksDiameterFor(string image, string maskSuffix = "_masks")
    {
        if (MasksFor(image, maskSuffix) is not { } masks) return null;
        double d = Diameter(LabelFiles.Read(masks));
        return d > 0 ? d : null;
    }

    public static TrainingSample Prepare(string name, ImageData image, LabelImage masks, int chan, int chan2)
    {
        var sample = PrepareForSize(name, image, masks, chan, chan2);
        var targets = TrainingTargets.FromMasks(masks);
        return sample with { CellProb = targets.CellMask, FlowY = targets.Flows.DY, FlowX = targets.Flows.DX };
    }

    /// <summary>
    /// A sample for the size model: the normalised image and its masks' diameter, without the flow targets (empty
    /// arrays). Styles need only the image; the flows cost most of the loading time and three more planes of memory
    /// per image (a 400-image size set held 6-8 GB with them and was killed for memory beside other runs).
    /// </summary>
    public static TrainingSample PrepareForSize(string name, ImageData image, LabelImage masks, int chan, int chan2)
    {
        if (image.Height != masks.Height || image.Width != masks.Width)
            throw new ArgumentException($"{name}: image is {image.Width}x{image.Height}, masks are {masks.Width}x{masks.Height}");
        var x = ChannelSelection.ToNetworkInput(image, chan, chan2);
        Normalization.NormalizePlanes(x, ChannelSelection.NetworkChannels, image.PlaneSize, invert: false);
        return new TrainingSample(name, x, ChannelSelection.NetworkChannels, image.Height, image.Width, [], [], [], masks.MaxLabel, Diameter(masks));
    }

    /// <summary>Loads and prepares every pair in the folders (in parallel).</summary>
    public static IReadOnlyList<TrainingSample> Load(IEnumerable<(string Image, string Masks)> pairs, int chan, int chan2) =>
        Load(pairs, chan, chan2, Prepare);

    /// <summary>Loads every pair for the size model (<see cref="PrepareForSize"/>), in parallel.</summary>
    public static IReadOnlyList<TrainingSample> LoadForSize(IEnumerable<(string Image, string Masks)> pairs, int chan, int chan2) =>
        Load(pairs, chan, chan2, PrepareForSize);

    private static TrainingSample[] Load(IEnumerable<(string Image, string Masks)> pairs, int chan, int chan2,
        Func<string, ImageData, LabelImage, int, int, TrainingSample> prepare)
    {
        var list = pairs.ToList();
        var samples = new TrainingSample[list.Count];
        Parallel.For(0, list.Count, i =>
        {
            var (img, msk) = list[i];
            samples[i] = prepare(Path.GetFileNameWithoutExtension(img), TiffReader.Read(img), LabelFiles.Read(msk), chan, chan2);
        });
        return samples;
    }

    /// <summary>Cellpose's utils.diameters: median over objects of sqrt(area), divided by sqrt(pi) / 2; 0 without objects.</summary>
    public static double Diameter(LabelImage masks)
    {
        var areas = new Dictionary<int, int>();
        foreach (int v in masks.Labels)
        {
            if (v == 0) continue;
            areas[v] = areas.GetValueOrDefault(v) + 1;
        }
        if (areas.Count == 0) return 0;
        var roots = areas.Values.Select(a => Math.Sqrt(a)).Order().ToArray();
        int n = roots.Length;
        double median = n % 2 == 1 ? roots[n / 2] : (roots[n / 2 - 1] + roots[n / 2]) / 2;
        return median / (Math.Sqrt(Math.PI) / 2);
    }
}
