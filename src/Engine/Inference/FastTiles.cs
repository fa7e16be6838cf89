namespace AcqSeg.Engine.Inference;

/// <summary>How the fast path cuts a frame into network passes.</summary>
public enum FastTiles
{
    /// <summary>Cellpose's own 224-pixel tiles, each with its own style, blended with Cellpose's taper: the fast network
    /// then differs from the exact path only by its arithmetic. Large tiles see context across Cellpose's seams and one
    /// style per large tile, which flips whole objects near the thresholds on real images (issue 23: AP@0.5 0.727
    /// against exact on DSB 20b20ab04937 with large tiles in float32, 0.798 with the whole frame in one pass).</summary>
    Cellpose,

    /// <summary>Tiles of up to <see cref="EvalSettings.FastTileSize"/> pixels: fewer, larger passes, not Cellpose-exact.</summary>
    Large,
}

public static class FastTilesExtensions
{
    /// <summary>Parses cellpose or large.</summary>
    public static FastTiles Parse(string text) => text.Trim().ToLowerInvariant() switch
    {
        "cellpose" or "224" => FastTiles.Cellpose,
        "large" => FastTiles.Large,
        _ => throw new ArgumentException($"'{text}' is not a tile layout: use cellpose (Cellpose's 224-pixel tiles) or large (up to 544-pixel tiles)"),
    };

    public static string Name(this FastTiles tiles) => tiles == FastTiles.Cellpose ? "cellpose" : "large";
}
