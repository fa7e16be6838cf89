namespace AcqSeg.Engine.Training;

/// <summary>
/// Intensity augmentation that Cellpose's training does not have (AcqSeg's addition, off by default): a gamma curve
/// x -> x^g on the normalised image (positive values only; 0 and 1, the 1st and 99th percentiles, stay where they are),
/// with g log-uniform in [1/max, max]. Why: normalisation maps each frame to the same percentiles, but not the same
/// curve in between; nuclei a twentieth as bright as their neighbours (GOWT1) sit near 0 after it, and g above 1 makes
/// such crops in the training data, g below 1 the opposite. Labels and flows do not change.
/// </summary>
public static class IntensityGamma
{
    /// <summary>Draws g from <paramref name="rng"/> (one draw, after the crop's affine draws) and applies it in place.</summary>
    /// <returns>the exponent applied</returns>
    public static double Apply(float[] image, double maxGamma, Random rng)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxGamma, 1.0);
        double g = Math.Exp(Math.Log(maxGamma) * (2 * rng.NextDouble() - 1));
        Apply(image, g);
        return g;
    }

    /// <summary>x -> x^g for x above 0; values at or below 0 (the darkest percent after normalisation) are left as they are.</summary>
    public static void Apply(float[] image, double gamma)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(gamma);
        for (int i = 0; i < image.Length; i++)
            if (image[i] > 0) image[i] = (float)Math.Pow(image[i], gamma);
    }
}
