using System.Globalization;
using System.Xml;
using System.Xml.Linq;

namespace AcqSeg.Imaging.Io;

/// <summary>
/// What an ImageJ or OME-XML ImageDescription says about the page stack: sizes of C, Z and T, the order pages are
/// stored in, channel names and physical sizes.
/// </summary>
internal sealed record StackDescription(
    string Source,
    int SizeC,
    int SizeZ,
    int SizeT,
    string PageOrder,
    IReadOnlyList<string> ChannelNames,
    double? PixelSizeX,
    double? PixelSizeY,
    double? PixelSizeZ,
    string? Unit)
{
    /// <summary>Pages the description accounts for (C pages times Z times T).</summary>
    public long PageCount => (long)SizeC * SizeZ * SizeT;

    /// <summary>Page index of plane (c, z, t); <see cref="PageOrder"/> runs from the slowest axis to the fastest.</summary>
    public int PageOf(int c, int z, int t)
    {
        long index = 0;
        foreach (char axis in PageOrder)
        {
            (int size, int at) = axis switch { 'C' => (SizeC, c), 'Z' => (SizeZ, z), _ => (SizeT, t) };
            index = index * size + at;
        }
        return (int)index;
    }

    /// <summary>Axes in numpy order, leaving out axes of size 1 (as tifffile does), e.g. "TZCYX"; "S" marks samples.</summary>
    public string Axes(int samplesPerPixel)
    {
        var sb = new System.Text.StringBuilder();
        foreach (char axis in PageOrder)
        {
            int size = axis switch { 'C' => SizeC, 'Z' => SizeZ, _ => SizeT };
            if (size > 1) sb.Append(axis);
        }
        sb.Append("YX");
        if (samplesPerPixel > 1) sb.Append('S');
        return sb.ToString();
    }

    public static StackDescription? Parse(string? description, int samplesPerPixel)
    {
        if (string.IsNullOrEmpty(description)) return null;
        if (description.StartsWith("ImageJ=", StringComparison.Ordinal)) return ParseImageJ(description);
        if (description.Contains("<OME", StringComparison.Ordinal)) return ParseOme(description, samplesPerPixel);
        return null;
    }

    /// <summary>ImageJ hyperstacks store pages in TZC order (channel fastest); "images" alone means a Z stack.</summary>
    private static StackDescription? ParseImageJ(string description)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (string line in description.Split('\n'))
        {
            int eq = line.IndexOf('=');
            if (eq > 0) values.TryAdd(line[..eq].Trim(), line[(eq + 1)..].Trim());
        }
        int images = PositiveInt(values, "images") ?? 1;
        int c = PositiveInt(values, "channels") ?? 1, z = PositiveInt(values, "slices") ?? 1, t = PositiveInt(values, "frames") ?? 1;
        if ((long)c * z * t == 1 && images > 1) z = images;
        double? spacing = Number(values, "spacing");
        values.TryGetValue("unit", out string? unit);
        return new StackDescription("ImageJ", c, z, t, "TZC", Array.Empty<string>(), null, null, spacing, NormaliseUnit(unit));
    }

    private static StackDescription? ParseOme(string xml, int samplesPerPixel)
    {
        XDocument doc;
        try
        {
            var settings = new XmlReaderSettings { DtdProcessing = DtdProcessing.Prohibit, XmlResolver = null, MaxCharactersInDocument = 64L << 20 };
            using var reader = XmlReader.Create(new StringReader(xml), settings);
            doc = XDocument.Load(reader);
        }
        catch (XmlException)
        {
            return null; // a damaged description costs the metadata, not the pixels
        }
        var pixels = doc.Descendants().FirstOrDefault(e => e.Name.LocalName == "Pixels");
        if (pixels is null) return null;
        int sizeC = AttrInt(pixels, "SizeC") ?? 1, z = AttrInt(pixels, "SizeZ") ?? 1, t = AttrInt(pixels, "SizeT") ?? 1;
        // RGB OME-TIFFs count the interleaved samples in SizeC; pages then hold SizeC / samples channels.
        int c = samplesPerPixel > 1 && sizeC % samplesPerPixel == 0 ? sizeC / samplesPerPixel : sizeC;
        string order = (string?)pixels.Attribute("DimensionOrder") ?? "XYZCT";
        string pageOrder = new string(order.Where(ch => ch is 'C' or 'Z' or 'T').Reverse().ToArray());
        if (pageOrder.Length != 3 || pageOrder.Distinct().Count() != 3) pageOrder = "TCZ";
        var names = pixels.Elements().Where(e => e.Name.LocalName == "Channel")
            .Select(e => (string?)e.Attribute("Name") ?? "").ToArray();
        string unit = (string?)pixels.Attribute("PhysicalSizeXUnit") ?? "µm";
        return new StackDescription("OME", c, z, t, pageOrder, names,
            AttrDouble(pixels, "PhysicalSizeX"), AttrDouble(pixels, "PhysicalSizeY"), AttrDouble(pixels, "PhysicalSizeZ"),
            NormaliseUnit(unit));
    }

    /// <summary>ImageJ writes micrometres as "micron" or an escaped mu; everything else is kept as written.</summary>
    public static string? NormaliseUnit(string? unit)
    {
        if (string.IsNullOrWhiteSpace(unit)) return null;
        string u = unit.Trim();
        return u switch
        {
            "micron" or "microns" or "um" or "\\u00B5m" or "\\u00b5m" or "µm" or "\u03BCm" => "µm",
            _ => u,
        };
    }

    private static int? PositiveInt(Dictionary<string, string> values, string key) =>
        values.TryGetValue(key, out string? s) && int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out int v) && v > 0 ? v : null;

    private static double? Number(Dictionary<string, string> values, string key) =>
        values.TryGetValue(key, out string? s) && double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) && double.IsFinite(v) && v > 0 ? v : null;

    private static int? AttrInt(XElement e, string name) =>
        int.TryParse((string?)e.Attribute(name), NumberStyles.Integer, CultureInfo.InvariantCulture, out int v) && v > 0 ? v : null;

    private static double? AttrDouble(XElement e, string name) =>
        double.TryParse((string?)e.Attribute(name), NumberStyles.Float, CultureInfo.InvariantCulture, out double v) && double.IsFinite(v) && v > 0 ? v : null;
}
