namespace AcqSeg.Imaging.Synthesis;

/// <summary>The image styles the generator draws; each has known masks.</summary>
public enum SynthStyle
{
    /// <summary>Bright, separate, roundish nuclei on a dark background (fluorescence).</summary>
    Nuclei,
    /// <summary>Touching, irregular whole cells (fluorescence cytoplasm), optionally with a nuclear second channel.</summary>
    Cyto,
    /// <summary>Phase-contrast-like: dark cell interiors surrounded by bright halos on a mid-gray background.</summary>
    Phase,
    /// <summary>Brightfield stain: dark purple nuclei/cells on a light background, RGB.</summary>
    Brightfield,
    /// <summary>
    /// Grayscale brightfield: dark nuclei inside large, flat, pale cells (<see cref="SynthSettings.CellScale"/> times the
    /// nuclear diameter); only the nuclei are labelled. The image type where a size estimate can lock onto the cells.
    /// </summary>
    NucleiInCells,
}

/// <summary>The command-line names of <see cref="SynthStyle"/>.</summary>
public static class SynthStyleNames
{
    public static readonly IReadOnlyDictionary<string, SynthStyle> ByName = new Dictionary<string, SynthStyle>(StringComparer.OrdinalIgnoreCase)
    {
        ["nuclei"] = SynthStyle.Nuclei,
        ["cyto"] = SynthStyle.Cyto,
        ["phase"] = SynthStyle.Phase,
        ["brightfield"] = SynthStyle.Brightfield,
        ["nuclei-in-cells"] = SynthStyle.NucleiInCells,
    };

    public static string Name(SynthStyle style) => ByName.First(kv => kv.Value == style).Key;
}

public sealed record SynthSettings
{
    public SynthStyle Style { get; init; } = SynthStyle.Nuclei;
    public int Height { get; init; } = 256;
    public int Width { get; init; } = 256;
    /// <summary>Median object diameter in pixels.</summary>
    public double Diameter { get; init; } = 30;
    /// <summary>Relative spread of object sizes (uniform in [1 - j, 1 + j]).</summary>
    public double SizeJitter { get; init; } = 0.25;
    /// <summary>Fraction of the frame the objects try to cover (0.05 sparse .. 0.7 crowded).</summary>
    public double Density { get; init; } = 0.3;
    /// <summary>Gaussian noise standard deviation relative to the object contrast.</summary>
    public double Noise { get; init; } = 0.05;
    /// <summary>Gaussian blur sigma in pixels (optics).</summary>
    public double Blur { get; init; } = 1.0;
    /// <summary>Linear background ramp across the frame, relative to the object contrast.</summary>
    public double BackgroundGradient { get; init; } = 0.1;
    /// <summary>
    /// Brightest to dimmest object (object brightness uniform in [1/range, 1]). The default 2 gives similar objects; real
    /// sparse fluorescence fields span 10x and more (dim nuclei near the background next to saturated ones), which
    /// moves the percentile normalisation's 99th percentile onto mid-bright objects.
    /// </summary>
    public double BrightnessRange { get; init; } = 2;
    /// <summary>
    /// Nuclei only: up to this many nucleoli per nucleus, small dim spots inside it (0-N each, uniformly). Real nuclear
    /// stains leave nucleoli dark; in a saturated nucleus they are the only texture, and a network that never saw them
    /// may split such a nucleus at its nucleolus. 0 (the default) draws none.
    /// </summary>
    public int Nucleoli { get; init; }
    /// <summary>NucleiInCells only: cell diameter over nuclear diameter (<see cref="Diameter"/> is the nuclei's).</summary>
    public double CellScale { get; init; } = 4;
    /// <summary>8, 16 (integers scaled to the range) or 32 (float).</summary>
    public int BitDepth { get; init; } = 16;
    /// <summary>Cyto only: add a nuclear channel as the second channel.</summary>
    public bool NuclearChannel { get; init; } = true;
    public int Seed { get; init; }

    public void Validate()
    {
        if (Height < 16 || Width < 16) throw new ArgumentOutOfRangeException(nameof(Height), $"frame {Width}x{Height} is smaller than 16x16");
        if ((long)Height * Width > 1L << 28) throw new ArgumentOutOfRangeException(nameof(Height), $"frame {Width}x{Height} is too large");
        if (Diameter < 4 || Diameter > Math.Min(Height, Width) / 2.0)
            throw new ArgumentOutOfRangeException(nameof(Diameter), $"diameter {Diameter} must be between 4 and half the frame size");
        if (SizeJitter is < 0 or >= 1) throw new ArgumentOutOfRangeException(nameof(SizeJitter), "size jitter must be in [0, 1)");
        if (Density is <= 0 or > 0.9) throw new ArgumentOutOfRangeException(nameof(Density), "density must be in (0, 0.9]");
        if (Noise < 0 || Blur < 0 || BackgroundGradient < 0) throw new ArgumentOutOfRangeException(nameof(Noise), "noise, blur and gradient must be >= 0");
        if (BrightnessRange is < 1 or > 1000) throw new ArgumentOutOfRangeException(nameof(BrightnessRange), $"brightness range {BrightnessRange} must be in [1, 1000]");
        if (CellScale is < 1.5 or > 10) throw new ArgumentOutOfRangeException(nameof(CellScale), $"cell scale {CellScale} must be 1.5-10 (cell over nuclear diameter)");
        if (Style == SynthStyle.NucleiInCells && Diameter * CellScale > Math.Min(Height, Width) / 2.0)
            throw new ArgumentOutOfRangeException(nameof(CellScale), $"cells of {Diameter * CellScale:0} pixels (diameter {Diameter} x cell scale {CellScale}) do not fit twice into a {Width}x{Height} frame");
        if (Nucleoli is < 0 or > 5) throw new ArgumentOutOfRangeException(nameof(Nucleoli), $"nucleoli {Nucleoli} must be 0 to 5 per nucleus");
        if (BitDepth is not (8 or 16 or 32)) throw new ArgumentOutOfRangeException(nameof(BitDepth), $"bit depth {BitDepth}: use 8, 16 or 32");
    }
}
