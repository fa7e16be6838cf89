using AcqSeg.Imaging.Io;

namespace AcqSeg.Imaging.Synthesis;

/// <summary>A generated frame and the masks it was drawn from.</summary>
public sealed record SynthFrame(ImageData Image, LabelImage Masks);

/// <summary>
/// Draws microscopy-like frames with known instance masks, for the styles that have no public ground truth here.
/// Objects are star-shaped blobs (radius modulated by a few low harmonics, elongated and rotated); whole cells are
/// those shapes clipped against their neighbours so that they touch along shared borders, as crowded cells do.
/// Deterministic for a seed.
/// </summary>
public static class SyntheticFrames
{
    public static SynthFrame Generate(SynthSettings s)
    {
        s.Validate();
        var rng = new Random(s.Seed);
        if (s.Style == SynthStyle.NucleiInCells) return GenerateNucleiInCells(s, rng);
        var shapes = PlaceShapes(s, rng);
        int[] labels = s.Style == SynthStyle.Cyto ? PaintTouching(s, shapes) : PaintSeparate(s, shapes);
        var brightness = Relabel(labels, s.Diameter, shapes);
        var masks = new LabelImage(labels, s.Height, s.Width);
        float[][] channels = s.Style switch
        {
            SynthStyle.Nuclei => [RenderFluorescent(s, rng, brightness, labels)],
            SynthStyle.Cyto => RenderCyto(s, rng, brightness, labels),
            SynthStyle.Phase => [RenderPhase(s, rng, labels)],
            SynthStyle.Brightfield => RenderBrightfield(s, rng, brightness, labels),
            _ => throw new ArgumentOutOfRangeException(nameof(s), s.Style, "unknown style"),
        };
        return Finish(s, rng, channels, masks);
    }

    private static SynthFrame Finish(SynthSettings s, Random rng, float[][] channels, LabelImage masks)
    {
        foreach (var ch in channels)
        {
            if (s.Blur > 0) GaussianBlur(ch, s.Height, s.Width, s.Blur);
            AddNoise(ch, rng, s.Noise * (s.Style is SynthStyle.Brightfield or SynthStyle.NucleiInCells ? 0.3 : 1.0));
        }
        var data = new float[channels.Length * s.Height * s.Width];
        for (int c = 0; c < channels.Length; c++) Quantise(channels[c], s.BitDepth).CopyTo(data, c * s.Height * s.Width);
        string type = s.BitDepth switch { 8 => "uint8", 16 => "uint16", _ => "float32" };
        var image = new ImageData(data, channels.Length, s.Height, s.Width, new TiffMetadata { SampleType = type, SamplesPerPixel = channels.Length });
        return new SynthFrame(image, masks);
    }

    /// <summary>
    /// Whole cells placed and clipped against each other as <see cref="SynthStyle.Cyto"/>'s are, but CellScale times the
    /// nuclear diameter; each holds one nucleus near its centre, and only the nuclei are labelled. Gray: a light
    /// background, the cells a little darker with a darker rim, the nuclei dark.
    /// </summary>
    private static SynthFrame GenerateNucleiInCells(SynthSettings s, Random rng)
    {
        var cellSettings = s with { Style = SynthStyle.Cyto, Diameter = s.Diameter * s.CellScale };
        var cells = PlaceShapes(cellSettings, rng);
        int[] cellLabels = PaintTouching(cellSettings, cells);
        var nuclei = cells.Select(c =>
        {
            double off = 0.15 * c.Radius * rng.NextDouble(), angle = rng.NextDouble() * 2 * Math.PI;
            double r = s.Diameter / 2 * (1 - s.SizeJitter + 2 * s.SizeJitter * rng.NextDouble());
            double[] amp = [0.05 * rng.NextDouble(), 0.03 * rng.NextDouble(), 0.02 * rng.NextDouble()];
            double[] phase = [rng.NextDouble() * 2 * Math.PI, rng.NextDouble() * 2 * Math.PI, rng.NextDouble() * 2 * Math.PI];
            return new Shape(c.Cy + off * Math.Sin(angle), c.Cx + off * Math.Cos(angle), r, 1 + 0.2 * rng.NextDouble(), rng.NextDouble() * Math.PI,
                amp, phase, 0.5 + 0.5 * rng.NextDouble());
        }).ToList();
        int[] labels = PaintSeparate(s, nuclei);
        // A nucleus stays inside its own cell (label i + 1 was drawn from cells[i] and nuclei[i]).
        for (int p = 0; p < labels.Length; p++)
            if (labels[p] != 0 && cellLabels[p] != labels[p]) labels[p] = 0;
        var brightness = Relabel(labels, s.Diameter, nuclei);

        var img = Background(s, 0.8);
        var texture = SmoothNoise(s, rng, s.Diameter / 3);
        int w = s.Width, h = s.Height;
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
            {
                int p = y * w + x, cell = cellLabels[p];
                if (labels[p] is int v and > 0)
                    img[p] = (float)(0.3 + 0.15 * (1 - brightness[v]) + 0.05 * texture[p]);
                else if (cell != 0)
                {
                    // Flat cells barely darken the field; their rim (a pixel two away in another cell or outside) is darker.
                    bool rim = (y >= 2 && cellLabels[p - 2 * w] != cell) || (y < h - 2 && cellLabels[p + 2 * w] != cell)
                        || (x >= 2 && cellLabels[p - 2] != cell) || (x < w - 2 && cellLabels[p + 2] != cell);
                    img[p] -= (float)(rim ? 0.14 : 0.05 + 0.03 * texture[p]);
                }
            }
        return Finish(s, rng, [img], new LabelImage(labels, h, w));
    }

    /// <summary>One object: centre, mean radius, elongation, orientation and boundary harmonics.</summary>
    private sealed record Shape(double Cy, double Cx, double Radius, double Elongation, double Angle, double[] Amp, double[] Phase, double Brightness)
    {
        /// <summary>Normalised distance: below 1 inside the shape.</summary>
        public double Distance(double y, double x)
        {
            double dy = y - Cy, dx = x - Cx;
            double ca = Math.Cos(Angle), sa = Math.Sin(Angle);
            double u = (dx * ca + dy * sa) / Elongation, v = (-dx * sa + dy * ca) * Elongation;
            double rho = Math.Sqrt(u * u + v * v);
            double theta = Math.Atan2(v, u);
            double r = Radius;
            for (int k = 0; k < Amp.Length; k++) r *= 1 + Amp[k] * Math.Cos((k + 2) * theta + Phase[k]);
            return rho / r;
        }

        public double Reach => Radius * Elongation * 1.6;
    }

    private static List<Shape> PlaceShapes(SynthSettings s, Random rng)
    {
        double meanArea = Math.PI * s.Diameter * s.Diameter / 4;
        int target = Math.Max(1, (int)(s.Density * s.Height * s.Width / meanArea));
        bool cyto = s.Style == SynthStyle.Cyto;
        double irregular = cyto ? 0.12 : 0.06;
        // Separate objects keep their centres apart; whole cells are packed closer and clipped against each other.
        double minGap = cyto ? 0.75 : 1.0;
        double dimmest = 1 / s.BrightnessRange; // 0.5 by default
        var shapes = new List<Shape>();
        int attempts = target * 40;
        for (int a = 0; a < attempts && shapes.Count < target; a++)
        {
            double r = s.Diameter / 2 * (1 - s.SizeJitter + 2 * s.SizeJitter * rng.NextDouble());
            double cy = rng.NextDouble() * s.Height, cx = rng.NextDouble() * s.Width;
            bool clash = false;
            foreach (var o in shapes)
            {
                double d = Math.Sqrt((o.Cy - cy) * (o.Cy - cy) + (o.Cx - cx) * (o.Cx - cx));
                if (d < minGap * (o.Radius + r) * 1.05) { clash = true; break; }
            }
            if (clash) continue;
            var amp = new double[3];
            var phase = new double[3];
            for (int k = 0; k < 3; k++)
            {
                amp[k] = irregular * rng.NextDouble() / (k + 1);
                phase[k] = rng.NextDouble() * 2 * Math.PI;
            }
            double elong = 1 + (cyto ? 0.35 : 0.2) * rng.NextDouble();
            shapes.Add(new Shape(cy, cx, r, elong, rng.NextDouble() * Math.PI, amp, phase, dimmest + (1 - dimmest) * rng.NextDouble()));
        }
        return shapes;
    }

    private static int[] PaintSeparate(SynthSettings s, List<Shape> shapes)
    {
        var labels = new int[s.Height * s.Width];
        for (int i = 0; i < shapes.Count; i++)
        {
            var sh = shapes[i];
            Box(s, sh, out int y0, out int y1, out int x0, out int x1);
            for (int y = y0; y < y1; y++)
                for (int x = x0; x < x1; x++)
                {
                    int p = y * s.Width + x;
                    // Separate objects keep at least one background pixel between them.
                    if (labels[p] == 0 && sh.Distance(y, x) < 1 && !TouchesOther(labels, s.Height, s.Width, y, x, i + 1)) labels[p] = i + 1;
                }
        }
        return labels;
    }

    private static bool TouchesOther(int[] labels, int h, int w, int y, int x, int self)
    {
        for (int dy = -1; dy <= 1; dy++)
            for (int dx = -1; dx <= 1; dx++)
            {
                int yy = y + dy, xx = x + dx;
                if (yy < 0 || xx < 0 || yy >= h || xx >= w) continue;
                int v = labels[yy * w + xx];
                if (v != 0 && v != self) return true;
            }
        return false;
    }

    /// <summary>Each pixel goes to the shape it is deepest inside, so neighbouring cells share borders.</summary>
    private static int[] PaintTouching(SynthSettings s, List<Shape> shapes)
    {
        var labels = new int[s.Height * s.Width];
        var best = new double[labels.Length];
        Array.Fill(best, 1.0);
        for (int i = 0; i < shapes.Count; i++)
        {
            // Whole cells spread further than their centre spacing, then are clipped by their neighbours.
            var sh = shapes[i] with { Radius = shapes[i].Radius * 1.35 };
            Box(s, sh, out int y0, out int y1, out int x0, out int x1);
            for (int y = y0; y < y1; y++)
                for (int x = x0; x < x1; x++)
                {
                    int p = y * s.Width + x;
                    double d = sh.Distance(y, x);
                    if (d < best[p]) { best[p] = d; labels[p] = i + 1; }
                }
        }
        return labels;
    }

    private static void Box(SynthSettings s, Shape sh, out int y0, out int y1, out int x0, out int x1)
    {
        double reach = sh.Reach;
        y0 = Math.Max(0, (int)(sh.Cy - reach)); y1 = Math.Min(s.Height, (int)(sh.Cy + reach) + 1);
        x0 = Math.Max(0, (int)(sh.Cx - reach)); x1 = Math.Min(s.Width, (int)(sh.Cx + reach) + 1);
    }

    /// <summary>Drops slivers (objects cut by the border or by neighbours to a tiny area), numbers the rest 1..N in
    /// place (label i + 1 was drawn from shapes[i]) and returns each new label's brightness.</summary>
    private static double[] Relabel(int[] labels, double diameter, List<Shape> shapes)
    {
        int max = labels.Max();
        var area = new int[max + 1];
        foreach (int v in labels) area[v]++;
        int minArea = Math.Max(8, (int)(0.1 * Math.PI * diameter * diameter / 4));
        var map = new int[max + 1];
        int next = 0;
        var brightness = new List<double> { 0 };
        for (int v = 1; v <= max; v++)
        {
            if (area[v] < minArea) continue;
            map[v] = ++next;
            brightness.Add(shapes[v - 1].Brightness);
        }
        for (int i = 0; i < labels.Length; i++) labels[i] = map[labels[i]];
        return brightness.ToArray();
    }

    private static float[] RenderFluorescent(SynthSettings s, Random rng, double[] brightness, int[] labels)
    {
        var img = Background(s, 0.05);
        var texture = SmoothNoise(s, rng, s.Diameter / 4);
        for (int p = 0; p < img.Length; p++)
        {
            int v = labels[p];
            if (v == 0) continue;
            img[p] += (float)(brightness[v] * (1 + 0.25 * texture[p]));
        }
        if (s.Nucleoli > 0) DimNucleoli(s, rng, labels, img);
        return img;
    }

    /// <summary>Dims 0..Nucleoli small spots inside each nucleus to about a third of its signal, with soft edges.
    /// Spots stay inside their own nucleus, so the masks are unchanged.</summary>
    private static void DimNucleoli(SynthSettings s, Random rng, int[] labels, float[] img)
    {
        var centres = CentresOf(labels, s.Height, s.Width);
        for (int v = 1; v < centres.Length; v++)
        {
            var (cy, cx, r) = centres[v];
            int count = rng.Next(s.Nucleoli + 1);
            for (int k = 0; k < count; k++)
            {
                double angle = rng.NextDouble() * 2 * Math.PI, dist = 0.5 * r * Math.Sqrt(rng.NextDouble());
                double sy = cy + dist * Math.Sin(angle), sx = cx + dist * Math.Cos(angle), sr = r * (0.12 + 0.1 * rng.NextDouble());
                int y0 = Math.Max(0, (int)(sy - 2 * sr)), y1 = Math.Min(s.Height, (int)(sy + 2 * sr) + 1);
                int x0 = Math.Max(0, (int)(sx - 2 * sr)), x1 = Math.Min(s.Width, (int)(sx + 2 * sr) + 1);
                for (int y = y0; y < y1; y++)
                    for (int x = x0; x < x1; x++)
                    {
                        int p = y * s.Width + x;
                        if (labels[p] != v) continue;
                        double d2 = ((y - sy) * (y - sy) + (x - sx) * (x - sx)) / (sr * sr);
                        img[p] *= (float)(1 - 0.7 * Math.Exp(-d2 * d2)); // flat dark core, soft rim
                    }
            }
        }
    }

    private static float[][] RenderCyto(SynthSettings s, Random rng, double[] brightness, int[] labels)
    {
        var cyto = Background(s, 0.04);
        var nuc = Background(s, 0.03);
        var texture = SmoothNoise(s, rng, s.Diameter / 5);
        var centres = CentresOf(labels, s.Height, s.Width);
        for (int y = 0; y < s.Height; y++)
            for (int x = 0; x < s.Width; x++)
            {
                int p = y * s.Width + x, v = labels[p];
                if (v == 0) continue;
                var (cy, cx, r) = centres[v];
                double dn = Math.Sqrt((y - cy) * (y - cy) + (x - cx) * (x - cx)) / (0.4 * r);
                bool inNucleus = dn < 1;
                // Cytoplasm is dimmer over the nucleus; the nuclear stain is bright only there.
                cyto[p] += (float)(brightness[v] * 0.7 * (inNucleus ? 0.6 : 1.0) * (1 + 0.3 * texture[p]));
                if (inNucleus) nuc[p] += (float)(0.6 + 0.4 * brightness[v]);
            }
        return s.NuclearChannel ? [cyto, nuc] : [cyto];
    }

    private static float[] RenderPhase(SynthSettings s, Random rng, int[] labels)
    {
        int n = labels.Length;
        var inside = new float[n];
        for (int p = 0; p < n; p++) inside[p] = labels[p] != 0 ? 1f : 0f;
        var spread = (float[])inside.Clone();
        GaussianBlur(spread, s.Height, s.Width, Math.Max(1.5, s.Diameter / 10));
        var img = Background(s, 0.5);
        var texture = SmoothNoise(s, rng, s.Diameter / 6);
        for (int p = 0; p < n; p++)
        {
            if (labels[p] != 0) img[p] -= (float)(0.3 + 0.05 * texture[p]);
            else img[p] += 0.9f * spread[p]; // the bright halo just outside each cell
        }
        return img;
    }

    private static float[][] RenderBrightfield(SynthSettings s, Random rng, double[] brightness, int[] labels)
    {
        float[] paper = [0.93f, 0.87f, 0.92f];
        float[] stain = [0.42f, 0.22f, 0.58f];
        var texture = SmoothNoise(s, rng, s.Diameter / 3);
        var rgb = new float[3][];
        for (int c = 0; c < 3; c++)
        {
            rgb[c] = Background(s, paper[c]);
            for (int p = 0; p < labels.Length; p++)
            {
                float bg = rgb[c][p] - (float)(0.05 * texture[p]); // pink stroma texture
                int v = labels[p];
                rgb[c][p] = v == 0 ? bg : (float)(stain[c] * (1.2 - 0.4 * brightness[v]) + 0.05 * texture[p]);
            }
        }
        return rgb;
    }

    private static (double Cy, double Cx, double R)[] CentresOf(int[] labels, int h, int w)
    {
        int max = labels.Max();
        var sy = new double[max + 1]; var sx = new double[max + 1]; var n = new int[max + 1];
        for (int p = 0; p < labels.Length; p++)
        {
            int v = labels[p];
            if (v == 0) continue;
            sy[v] += p / w; sx[v] += p % w; n[v]++;
        }
        var c = new (double, double, double)[max + 1];
        for (int v = 1; v <= max; v++) c[v] = (sy[v] / n[v], sx[v] / n[v], Math.Sqrt(n[v] / Math.PI));
        return c;
    }

    private static float[] Background(SynthSettings s, double level)
    {
        var img = new float[s.Height * s.Width];
        double g = s.BackgroundGradient;
        for (int y = 0; y < s.Height; y++)
            for (int x = 0; x < s.Width; x++)
                img[y * s.Width + x] = (float)(level + g * (0.6 * x / s.Width + 0.4 * y / s.Height));
        return img;
    }

    /// <summary>Zero-mean, unit-ish smooth noise: white noise blurred at the given scale.</summary>
    private static float[] SmoothNoise(SynthSettings s, Random rng, double scale)
    {
        var n = new float[s.Height * s.Width];
        for (int i = 0; i < n.Length; i++) n[i] = (float)(rng.NextDouble() * 2 - 1);
        GaussianBlur(n, s.Height, s.Width, Math.Max(1, scale));
        float max = 1e-6f;
        foreach (float v in n) max = Math.Max(max, Math.Abs(v));
        for (int i = 0; i < n.Length; i++) n[i] /= max;
        return n;
    }

    private static void AddNoise(float[] img, Random rng, double sigma)
    {
        if (sigma <= 0) return;
        for (int i = 0; i < img.Length; i += 2)
        {
            double u1 = 1 - rng.NextDouble(), u2 = rng.NextDouble();
            double m = Math.Sqrt(-2 * Math.Log(u1));
            img[i] += (float)(sigma * m * Math.Cos(2 * Math.PI * u2));
            if (i + 1 < img.Length) img[i + 1] += (float)(sigma * m * Math.Sin(2 * Math.PI * u2));
        }
    }

    private static float[] Quantise(float[] img, int bits)
    {
        if (bits == 32) return img;
        double scale = bits == 8 ? 200 : 40000, offset = bits == 8 ? 10 : 500, max = bits == 8 ? 255 : 65535;
        var q = new float[img.Length];
        for (int i = 0; i < img.Length; i++) q[i] = (float)Math.Clamp(Math.Round(img[i] * scale + offset), 0, max);
        return q;
    }

    /// <summary>Separable Gaussian blur with edge clamping, in place.</summary>
    internal static void GaussianBlur(float[] img, int h, int w, double sigma)
    {
        int radius = Math.Max(1, (int)Math.Ceiling(3 * sigma));
        var k = new float[2 * radius + 1];
        double sum = 0;
        for (int i = -radius; i <= radius; i++) sum += k[i + radius] = (float)Math.Exp(-i * i / (2 * sigma * sigma));
        for (int i = 0; i < k.Length; i++) k[i] /= (float)sum;
        var tmp = new float[img.Length];
        Parallel.For(0, h, y =>
        {
            int row = y * w;
            for (int x = 0; x < w; x++)
            {
                float acc = 0;
                for (int j = -radius; j <= radius; j++) acc += k[j + radius] * img[row + Math.Clamp(x + j, 0, w - 1)];
                tmp[row + x] = acc;
            }
        });
        Parallel.For(0, h, y =>
        {
            for (int x = 0; x < w; x++)
            {
                float acc = 0;
                for (int j = -radius; j <= radius; j++) acc += k[j + radius] * tmp[Math.Clamp(y + j, 0, h - 1) * w + x];
                img[y * w + x] = acc;
            }
        });
    }
}
