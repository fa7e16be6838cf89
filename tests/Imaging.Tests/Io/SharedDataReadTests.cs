using AcqSeg.Imaging.Io;
using AcqSeg.TestSupport;

namespace AcqSeg.Imaging.Tests.Io;

/// <summary>The reader on the shared real (evaluation) and training images: shapes, dtypes and object counts as the READMEs state.</summary>
public sealed class SharedDataReadTests
{
    private sealed record Expected(int Height, int Width, int Channels, string SampleType, int Objects);

    /// <summary>Rows "| NAME | source | HxW[x3] | dtype | objects | ..." of data/real/README.md.</summary>
    private static Dictionary<string, Expected> RealReadme()
    {
        string readme = SharedData.Require(Path.Combine("data", "real", "README.md"));
        var table = new Dictionary<string, Expected>(StringComparer.Ordinal);
        foreach (string line in File.ReadLines(readme))
        {
            var cells = line.Split('|', StringSplitOptions.TrimEntries);
            if (cells.Length < 7 || !int.TryParse(cells[5], out int objects)) continue;
            var dims = cells[3].Split('x');
            if (dims.Length is < 2 or > 3 || !int.TryParse(dims[0], out int h) || !int.TryParse(dims[1], out int w)) continue;
            table[cells[1]] = new Expected(h, w, dims.Length == 3 ? int.Parse(dims[2]) : 1, cells[4], objects);
        }
        return table;
    }

    [SkippableFact]
    public void Read_EveryRealImageAndMask_MatchesReadmeShapeDtypeAndObjectCount()
    {
        var expected = RealReadme();
        var pairs = SharedData.RealPairs().ToList();
        Skip.If(pairs.Count == 0 && !SharedData.InCi, "shared/data/real not present");
        // The 29 pairs of the README's per-image tables and the folders added on 2026-12-06, which it describes per folder.
        Assert.Equal(29 + AddedFolders.Sum(f => f.Value.Pairs), pairs.Count);
        foreach (var (folder, name, image, masks) in pairs)
        {
            if (AddedFolders.ContainsKey(folder)) continue;
            Assert.True(expected.TryGetValue(name, out var e), $"{folder}/{name} is not in the README table");
            int objects = ReadPair(name, image, masks, e.Height, e.Width, e.Channels, e.SampleType);
            Assert.True(e.Objects == objects, $"{name}: {objects} objects, README says {e.Objects}");
        }
    }

    /// <summary>Reads an image and its masks, checks layout and dtype against the README; returns the object count.</summary>
    private static int ReadPair(string name, string image, string masks, int height, int width, int channels, string sampleType)
    {
        var img = TiffReader.Read(image);
        Assert.True((channels, height, width) == (img.Channels, img.Height, img.Width),
            $"{name}: read {img.Channels}x{img.Height}x{img.Width}, README says {channels}x{height}x{width}");
        Assert.Equal(sampleType, img.Metadata.SampleType);
        var labels = TiffReader.ReadLabels(masks);
        Assert.Equal((height, width), (labels.Height, labels.Width));
        return labels.CountObjects();
    }

    private sealed record AddedFolder(int Pairs, int Height, int Width, int Channels, string SampleType, int Objects);

    /// <summary>The folders data/real/README.md added on 2026-12-06, as its prose states them (pairs, layout, objects in all).</summary>
    private static readonly Dictionary<string, AddedFolder> AddedFolders = new(StringComparer.Ordinal)
    {
        ["usiigaci_phase"] = new(6, 1022, 1024, 1, "uint16", 336),
        ["monuseg_he"] = new(5, 1000, 1000, 3, "uint8", 2100),
    };

    [SkippableFact]
    public void Read_AddedRealFolders_MatchTheirReadmeLayoutAndObjectTotals()
    {
        foreach (var (folder, e) in AddedFolders)
        {
            var pairs = SharedData.RealPairs().Where(p => p.Folder == folder).ToList();
            Skip.If(pairs.Count == 0 && !SharedData.InCi, $"shared/data/real/{folder} not present");
            Assert.Equal(e.Pairs, pairs.Count);
            int objects = 0;
            foreach (var (_, name, image, masks) in pairs)
                objects += ReadPair(name, image, masks, e.Height, e.Width, e.Channels, e.SampleType);
            Assert.True(e.Objects == objects, $"{folder}: {objects} objects, README says {e.Objects}");
        }
    }

    [SkippableFact]
    public void Read_HeBrightfieldImage_IsThreeChannelsOf256x320WithDistinctColours()
    {
        string folder = SharedData.RealFolder("dsb2018_he_brightfield_nuclei");
        var img = TiffReader.Read(Path.Combine(folder, "4cbd6c37f3a5_img.tif"));
        Assert.Equal((3, 256, 320), (img.Channels, img.Height, img.Width));
        Assert.Equal("uint8", img.Metadata.SampleType);
        // Channel-last RGB de-interleaved: H&E is purple/pink, so red and blue differ from green somewhere.
        bool differ = false;
        var r = img.Channel(0); var g = img.Channel(1);
        for (int i = 0; i < r.Length && !differ; i++) differ = r[i] != g[i];
        Assert.True(differ);
    }

    [SkippableFact]
    public void Read_StardistUint16Image_KeepsValuesAndMaskSkipsLabels()
    {
        string folder = SharedData.RealFolder("stardist_dsb_nuclei");
        var img = TiffReader.Read(Path.Combine(folder, "stardist_img2d_img.tif"));
        Assert.Equal("uint16", img.Metadata.SampleType);
        Assert.Equal(235f, img.Data.Max()); // README: values 0..235
        var labels = TiffReader.ReadLabels(Path.Combine(folder, "stardist_img2d_masks.tif"));
        Assert.Equal(125, labels.CountObjects());
        Assert.Equal(183, labels.MaxLabel);
    }

    /// <summary>Every 20th pair of the training manifest (gray and RGB): shape and object count as listed.</summary>
    [SkippableFact]
    public void Read_SampleOfTrainingPairs_MatchesManifest()
    {
        string manifest = SharedData.Require(Path.Combine("data", "train", "dsb2018", "manifest.csv"));
        string root = Path.GetDirectoryName(manifest)!;
        var rows = File.ReadAllLines(manifest).Skip(1).Where(l => l.Length > 0).ToList();
        int checkedRgb = 0, checkedGray = 0;
        for (int i = 0; i < rows.Count; i += 20)
        {
            var cells = rows[i].Split(',');
            string folder = cells[0], name = cells[1];
            var dims = cells[4].Split('x').Select(int.Parse).ToArray();
            int objects = int.Parse(cells[5]);
            var img = TiffReader.Read(Path.Combine(root, folder, name + "_img.tif"));
            int channels = dims.Length == 3 ? dims[2] : 1;
            Assert.True((channels, dims[0], dims[1]) == (img.Channels, img.Height, img.Width), $"{folder}/{name}: read {img.Channels}x{img.Height}x{img.Width}, manifest {cells[4]}");
            Assert.Equal("uint8", img.Metadata.SampleType);
            Assert.Equal(objects, TiffReader.ReadLabels(Path.Combine(root, folder, name + "_masks.tif")).CountObjects());
            if (channels == 3) checkedRgb++; else checkedGray++;
        }
        Assert.True(checkedRgb > 0 && checkedGray > 0, $"sample has {checkedRgb} RGB and {checkedGray} gray pairs");
    }
}
