namespace AcqSeg.Imaging.Io;

/// <summary>Why a _seg.npy could not be read; the message names the file, the reason and the fix.</summary>
public sealed class SegFileException(string path, string reason, Exception? inner = null) : IOException($"{path}: {reason}", inner)
{
    public string Path { get; } = path;
}

/// <summary>
/// What a Cellpose v2.3.2 X_seg.npy holds (io.masks_flows_to_seg, plus what the GUI's _save_sets adds). Reading fills
/// what the file has; only <see cref="Masks"/> is required.
/// </summary>
public sealed record CellposeSeg
{
    public required LabelImage Masks { get; init; }

    /// <summary>masks * masks_to_outlines(masks): each label on its outline pixels.</summary>
    public LabelImage? Outlines { get; init; }

    /// <summary>The image as segmented ('img'); the GUI falls back to it when 'filename' is gone. Not read back.</summary>
    public ImageData? Image { get; init; }

    /// <summary>[RGB flow (1,Ly,Lx,3) u1, cellprob (1,Ly,Lx) u1, zeros (1,Ly,Lx,3) u1, p (2,Ly,Lx) f4, [dY, dX, cellprob] (3,Ly,Lx) f4].</summary>
    public IReadOnlyList<NpyArray> Flows { get; init; } = [];

    /// <summary>[chan, chan2] as Cellpose numbers them (0 gray/none, 1 R, 2 G, 3 B).</summary>
    public int[] ChanChoose { get; init; } = [0, 0];

    /// <summary>One flag per label 1..max: drawn by hand in the GUI.</summary>
    public bool[] IsManual { get; init; } = [];

    public string? Filename { get; init; }

    /// <summary>'est_diam': the diameter the masks were made at (pixels).</summary>
    public double? EstDiam { get; init; }

    public string? ModelPath { get; init; }
    public double? FlowThreshold { get; init; }
    public double? CellprobThreshold { get; init; }
}

/// <summary>Reads and writes Cellpose's X_seg.npy (np.save of a dict; see <see cref="NpyObjectFile"/>).</summary>
public static class CellposeSegFile
{
    public const string Suffix = "_seg.npy";

    /// <summary>Cellpose's name: os.path.splitext(image)[0] + '_seg.npy'.</summary>
    public static string PathFor(string image) =>
        Path.Combine(Path.GetDirectoryName(image) ?? "", Path.GetFileNameWithoutExtension(image) + Suffix);

    public static void Write(string path, CellposeSeg seg)
    {
        ArgumentNullException.ThrowIfNull(seg);
        var m = seg.Masks;
        // Cellpose's choice: uint16 unless a label reaches 65535.
        bool wide = m.MaxLabel >= ushort.MaxValue;
        NpyArray Labels(LabelImage l) => wide ? NpyArray.UInt32(l.Labels, l.Height, l.Width) : NpyArray.UInt16(l.Labels, l.Height, l.Width);
        var dict = new List<KeyValuePair<string, object?>>();
        void Add(string key, object? value) => dict.Add(new(key, value));
        if (seg.Image is { } img)
            Add("img", img.Channels == 1 ? NpyArray.Float32(img.Data, img.Height, img.Width) : NpyArray.Float32(img.Data, img.Channels, img.Height, img.Width));
        Add("outlines", Labels(seg.Outlines ?? throw new ArgumentException("outlines are required in a _seg.npy (the GUI reads them)", nameof(seg))));
        Add("masks", Labels(m));
        Add("chan_choose", seg.ChanChoose.Cast<object?>().ToList());
        Add("ismanual", NpyArray.Bool(seg.IsManual, seg.IsManual.Length));
        Add("filename", seg.Filename ?? "");
        Add("flows", seg.Flows.Cast<object?>().ToList());
        Add("est_diam", seg.EstDiam ?? 0.0);
        // The GUI's own save adds these; 0 is its "no model" value.
        Add("model_path", (object?)seg.ModelPath ?? 0);
        if (seg.FlowThreshold is { } ft) Add("flow_threshold", ft);
        if (seg.CellprobThreshold is { } ct) Add("cellprob_threshold", ct);
        NpyObjectFile.Write(path, dict);
    }

    public static CellposeSeg Read(string path)
    {
        byte[] bytes;
        try { bytes = File.ReadAllBytes(path); }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new SegFileException(path, $"cannot be read: {ex.Message}", ex);
        }
        return Parse(bytes, path);
    }

    /// <summary>Parses the bytes of a _seg.npy; <paramref name="source"/> names it in errors.</summary>
    public static CellposeSeg Parse(byte[] bytes, string source)
    {
        Dictionary<object, object?> dict;
        try
        {
            dict = NpyObjectFile.Read(bytes) as Dictionary<object, object?>
                ?? throw new FormatException("the saved object is not a dict");
        }
        catch (Exception ex) when (ex is FormatException or OverflowException)
        {
            throw new SegFileException(source, $"not a Cellpose _seg.npy ({ex.Message}); expected np.save of the dict the Cellpose GUI or CLI writes", ex);
        }
        if (dict.TryGetValue("outlines", out object? o) && o is List<object?>)
            throw new SegFileException(source, "is an old-format _seg.npy (outlines as a list of polygons, no 'masks'); open it in the Cellpose GUI and save it again");
        if (!dict.TryGetValue("masks", out object? masks))
            throw new SegFileException(source, "has no 'masks'; is it a Cellpose _seg.npy? Save the masks from the Cellpose GUI (Ctrl+S)");
        var labels = Labels(masks, "masks", source);
        return new CellposeSeg
        {
            Masks = labels,
            Outlines = dict.TryGetValue("outlines", out object? ol) && ol is NpyArray ? Labels(ol, "outlines", source) : null,
            Flows = dict.TryGetValue("flows", out object? f) && f is List<object?> fl ? fl.OfType<NpyArray>().ToList() : [],
            ChanChoose = dict.TryGetValue("chan_choose", out object? c) ? Ints(c) : [0, 0],
            IsManual = dict.TryGetValue("ismanual", out object? im) && im is NpyArray ima ? ima.ToDoubles().Select(v => v != 0).ToArray() : [],
            Filename = dict.GetValueOrDefault("filename") as string,
            EstDiam = Number(dict.GetValueOrDefault("est_diam")),
            ModelPath = dict.GetValueOrDefault("model_path") as string,
            FlowThreshold = Number(dict.GetValueOrDefault("flow_threshold")),
            CellprobThreshold = Number(dict.GetValueOrDefault("cellprob_threshold")),
        };
    }

    private static LabelImage Labels(object? value, string key, string source)
    {
        if (value is not NpyArray a || a.Kind is not ('u' or 'i' or 'b'))
            throw new SegFileException(source, $"'{key}' is not an integer array");
        int[] shape = a.Shape;
        // The GUI keeps one plane as (1, Ly, Lx); squeeze it as its training loader does.
        if (shape.Length == 3 && shape[0] == 1) shape = shape[1..];
        if (shape.Length != 2)
            throw new SegFileException(source, $"'{key}' has shape ({string.Join(", ", a.Shape)}); only single 2-D planes are read (split a Z-stack into one _seg.npy per plane)");
        double[] v = a.ToDoubles();
        // Very old GUI files store background as -1; the GUI adds 1 on load, and so do we.
        double min = v.Length > 0 ? v.Min() : 0;
        double shift = min == -1 ? 1 : 0;
        var labels = new int[v.Length];
        for (int i = 0; i < v.Length; i++)
        {
            double x = v[i] + shift;
            if (x < 0 || x > int.MaxValue)
                throw new SegFileException(source, $"'{key}' has label {v[i]} at pixel ({i % shape[1]}, {i / shape[1]}); labels are 0 (background) or positive");
            labels[i] = (int)x;
        }
        return new LabelImage(labels, shape[0], shape[1]);
    }

    private static int[] Ints(object? value) => value switch
    {
        List<object?> list => list.Select(v => (int)(Number(v) ?? 0)).ToArray(),
        object?[] tuple => tuple.Select(v => (int)(Number(v) ?? 0)).ToArray(),
        NpyArray a => a.ToDoubles().Select(v => (int)v).ToArray(),
        _ => [0, 0],
    };

    private static double? Number(object? value) => value switch
    {
        double d => d,
        long l => l,
        bool b => b ? 1 : 0,
        NpyArray { Count: 1, Kind: not 'O' } a => a.ToDoubles()[0],
        _ => null,
    };
}

/// <summary>Label images from any file a user pairs with an image: a Cellpose _seg.npy or a label TIFF.</summary>
public static class LabelFiles
{
    public static LabelImage Read(string path) =>
        path.EndsWith(".npy", StringComparison.OrdinalIgnoreCase) ? CellposeSegFile.Read(path).Masks : TiffReader.ReadLabels(path);
}
