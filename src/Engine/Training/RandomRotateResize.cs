namespace AcqSeg.Engine.Training;

/// <summary>The random choices of one augmentation: flip, rotation (radians), scale and translation (pixels).</summary>
public sealed record AffineDraw(bool Flip, double Theta, double Scale, double ShiftX, double ShiftY);

/// <summary>One training crop: image channels, cell-probability target and flow targets, all size x size.</summary>
public sealed record AugmentedCrop(float[] Image, int Channels, int Size, float[] CellProb, float[] FlowY, float[] FlowX, double Scale, double Theta, bool Flipped);

/// <summary>
/// Cellpose's training augmentation (transforms.random_rotate_and_resize): scale = U[1 - r/2, 1 + r/2] / rescale,
/// rotation uniform in [0, 2 pi), horizontal flip with p = 0.5 (the X flow negated), a random translation, and a
/// size x size crop through one affine warp; linear interpolation for image and flows, nearest for the probability
/// target; flow vectors rotated with the image. Outside the source the warp reads zeros.
/// </summary>
public static class RandomRotateResize
{
    /// <param name="image">planar channels x height x width</param>
    /// <param name="rescale">diam_mean / diameter of this image's objects (1 = no size normalisation)</param>
    /// <param name="scaleRange">Cellpose's scale_range (0.5 for training: U[0.75, 1.25])</param>
    public static AugmentedCrop Apply(float[] image, int channels, int height, int width,
        float[] cellProb, float[] flowY, float[] flowX, double rescale, double scaleRange, int size, Random rng, bool doFlip = true)
    {
        var draw = Draw(height, width, rescale, scaleRange, size, rng, doFlip);
        return Apply(image, channels, height, width, cellProb, flowY, flowX, size, draw);
    }

    /// <summary>Draws in Cellpose's order: flip, theta, scale, translation.</summary>
    /// <param name="logScales">when set, the scale is drawn log-uniformly in [Min, Max] instead of U[1 - r/2, 1 + r/2]
    /// (same random draws, so the other choices do not change)</param>
    public static AffineDraw Draw(int height, int width, double rescale, double scaleRange, int size, Random rng, bool doFlip = true,
        (double Min, double Max)? logScales = null)
    {
        bool flip = rng.NextDouble() > 0.5;
        double theta = rng.NextDouble() * Math.PI * 2;
        scaleRange = Math.Clamp(scaleRange, 0, 2);
        double u = rng.NextDouble();
        double scale = (logScales is { } l
            ? Math.Exp(Math.Log(l.Min) + (Math.Log(l.Max) - Math.Log(l.Min)) * u)
            : 1 - scaleRange / 2 + scaleRange * u) / rescale;
        double maxDx = Math.Max(0, width * scale - size), maxDy = Math.Max(0, height * scale - size);
        double dx = (rng.NextDouble() - 0.5) * maxDx, dy = (rng.NextDouble() - 0.5) * maxDy;
        return new AffineDraw(flip && doFlip, theta, scale, dx, dy);
    }

    public static AugmentedCrop Apply(float[] image, int channels, int height, int width,
        float[] cellProb, float[] flowY, float[] flowX, int size, AffineDraw draw)
    {
        bool flip = draw.Flip;
        double theta = draw.Theta, scale = draw.Scale, dx = draw.ShiftX, dy = draw.ShiftY;

        // Forward map (x, y) -> A (x, y) + b sends the source centre to the crop centre plus the translation.
        double cx = width / 2.0, cy = height / 2.0;
        double c1x = cx - (width - size) / 2.0 + dx, c1y = cy - (height - size) / 2.0 + dy;
        double cos = Math.Cos(theta) * scale, sin = Math.Sin(theta) * scale;
        // Inverse: src = A^-1 (dst - b), with A = [[cos, -sin], [sin, cos]] and b = c1 - A c.
        double det = cos * cos + sin * sin;
        double i00 = cos / det, i01 = sin / det, i10 = -sin / det, i11 = cos / det;
        double bx = c1x - (cos * cx - sin * cy), by = c1y - (sin * cx + cos * cy);

        int n = size * size;
        // A sample without flow targets (TrainingData.PrepareForSize) gets an image-only crop.
        bool targets = cellProb.Length > 0;
        var outImage = new float[channels * n];
        var outProb = new float[targets ? n : 0];
        var fy = new float[targets ? n : 0];
        var fx = new float[targets ? n : 0];
        Parallel.For(0, size, y =>
        {
            for (int x = 0; x < size; x++)
            {
                double tx = x - bx, ty = y - by;
                double sx = i00 * tx + i01 * ty, sy = i10 * tx + i11 * ty;
                if (flip) sx = width - 1 - sx; // the flip happened before the warp
                int o = y * size + x;
                for (int c = 0; c < channels; c++) outImage[c * n + o] = Bilinear(image, c * height * width, height, width, sy, sx);
                if (!targets) continue;
                outProb[o] = Nearest(cellProb, height, width, sy, sx);
                fy[o] = Bilinear(flowY, 0, height, width, sy, sx);
                float vx = Bilinear(flowX, 0, height, width, sy, sx);
                fx[o] = flip ? -vx : vx;
            }
        });
        // Rotate the flow vectors with the image.
        double ct = Math.Cos(theta), st = Math.Sin(theta);
        for (int i = 0; i < fx.Length; i++)
        {
            double v1 = fx[i], v2 = fy[i];
            fy[i] = (float)(v1 * st + v2 * ct);
            fx[i] = (float)(v1 * ct - v2 * st);
        }
        return new AugmentedCrop(outImage, channels, size, outProb, fy, fx, scale, theta, flip);
    }

    private static float Bilinear(float[] src, int offset, int h, int w, double y, double x)
    {
        int x0 = (int)Math.Floor(x), y0 = (int)Math.Floor(y);
        double ax = x - x0, ay = y - y0;
        double v = 0;
        for (int j = 0; j < 2; j++)
        {
            int yy = y0 + j;
            if (yy < 0 || yy >= h) continue;
            double wy = j == 0 ? 1 - ay : ay;
            for (int i = 0; i < 2; i++)
            {
                int xx = x0 + i;
                if (xx < 0 || xx >= w) continue;
                v += wy * (i == 0 ? 1 - ax : ax) * src[offset + yy * w + xx];
            }
        }
        return (float)v;
    }

    private static float Nearest(float[] src, int h, int w, double y, double x)
    {
        int xx = (int)Math.Round(x), yy = (int)Math.Round(y);
        return xx < 0 || yy < 0 || xx >= w || yy >= h ? 0f : src[yy * w + xx];
    }
}
