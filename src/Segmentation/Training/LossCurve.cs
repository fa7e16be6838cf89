using System.Globalization;
using AcqSeg.Segmentation.Outputs;

namespace AcqSeg.Segmentation.Training;

/// <summary>The training record: one CSV row per epoch and a PNG plot of the losses (log scale).</summary>
public sealed class LossCurve
{
    public const string Header = "epoch,train_loss,test_loss,test_ap50,learning_rate,seconds,images_per_second";
    private readonly List<EpochReport> _reports = [];

    public IReadOnlyList<EpochReport> Reports => _reports;

    /// <summary>Reads an existing CSV so a resumed run keeps its history.</summary>
    public static LossCurve Load(string csvPath)
    {
        var curve = new LossCurve();
        if (!File.Exists(csvPath)) return curve;
        var inv = CultureInfo.InvariantCulture;
        foreach (string line in File.ReadLines(csvPath).Skip(1))
        {
            var f = line.Split(',');
            if (f.Length < 7) continue;
            double? Opt(string s) => s.Length == 0 ? null : double.Parse(s, inv);
            curve._reports.Add(new EpochReport(int.Parse(f[0], inv), 0, double.Parse(f[1], inv), Opt(f[2]), Opt(f[3]),
                double.Parse(f[4], inv), double.Parse(f[5], inv), double.Parse(f[6], inv), TimeSpan.Zero));
        }
        return curve;
    }

    public void Add(EpochReport r)
    {
        _reports.RemoveAll(x => x.Epoch >= r.Epoch);
        _reports.Add(r);
    }

    public void WriteCsv(string path)
    {
        var inv = CultureInfo.InvariantCulture;
        var lines = new List<string> { Header };
        foreach (var r in _reports)
        {
            lines.Add(string.Join(',', r.Epoch.ToString(inv), r.TrainLoss.ToString("G6", inv), r.TestLoss?.ToString("G6", inv) ?? "",
                r.TestAp50?.ToString("G4", inv) ?? "", r.LearningRate.ToString("G6", inv), r.Seconds.ToString("0.###", inv),
                r.ImagesPerSecond.ToString("0.###", inv)));
        }
        File.WriteAllLines(path, lines);
    }

    /// <summary>Train loss in blue, test loss in orange, log-scaled y; min/max of each axis printed in the corners.</summary>
    public void WritePng(string path, int width = 640, int height = 400)
    {
        var rgb = new byte[3 * width * height];
        Array.Fill(rgb, (byte)255);
        const int left = 60, right = 15, top = 15, bottom = 30;
        int pw = width - left - right, ph = height - top - bottom;
        var losses = _reports.SelectMany(r => new[] { r.TrainLoss, r.TestLoss ?? double.NaN }).Where(v => v > 0 && double.IsFinite(v)).ToList();
        if (losses.Count == 0 || _reports.Count == 0)
        {
            PngEncoder.WriteRgb(path, rgb, width, height);
            return;
        }
        double lo = Math.Log10(losses.Min()), hi = Math.Log10(losses.Max());
        if (hi - lo < 1e-6) { lo -= 0.5; hi += 0.5; }
        int e0 = _reports[0].Epoch, e1 = Math.Max(e0 + 1, _reports[^1].Epoch);
        int X(double epoch) => left + (int)Math.Round((epoch - e0) / (e1 - e0) * (pw - 1));
        int Y(double loss) => top + (int)Math.Round((hi - Math.Log10(loss)) / (hi - lo) * (ph - 1));

        for (int x = left; x < left + pw; x++) { Set(rgb, width, x, top + ph, 0, 0, 0); }
        for (int y = top; y <= top + ph; y++) { Set(rgb, width, left - 1, y, 0, 0, 0); }
        DrawSeries(rgb, width, _reports.Select(r => (X(r.Epoch), Y(r.TrainLoss))).ToList(), 31, 119, 180);
        DrawSeries(rgb, width, _reports.Where(r => r.TestLoss > 0).Select(r => (X(r.Epoch), Y(r.TestLoss!.Value))).ToList(), 255, 127, 14);

        var inv = CultureInfo.InvariantCulture;
        TinyFont.Draw(rgb, width, 2, top, Math.Pow(10, hi).ToString("0.###", inv));
        TinyFont.Draw(rgb, width, 2, top + ph - 7, Math.Pow(10, lo).ToString("0.###", inv));
        TinyFont.Draw(rgb, width, left, top + ph + 8, e0.ToString(inv));
        string last = e1.ToString(inv);
        TinyFont.Draw(rgb, width, left + pw - TinyFont.Width(last), top + ph + 8, last);
        PngEncoder.WriteRgb(path, rgb, width, height);
    }

    private static void DrawSeries(byte[] rgb, int width, List<(int X, int Y)> pts, byte r, byte g, byte b)
    {
        for (int i = 0; i < pts.Count; i++)
        {
            var (x0, y0) = pts[i];
            var (x1, y1) = i + 1 < pts.Count ? pts[i + 1] : pts[i];
            int steps = Math.Max(Math.Abs(x1 - x0), Math.Abs(y1 - y0)) + 1;
            for (int s = 0; s <= steps; s++)
            {
                int x = x0 + (x1 - x0) * s / steps, y = y0 + (y1 - y0) * s / steps;
                Set(rgb, width, x, y, r, g, b);
                Set(rgb, width, x, y + 1, r, g, b);
            }
        }
    }

    internal static void Set(byte[] rgb, int width, int x, int y, byte r, byte g, byte b)
    {
        int i = 3 * (y * width + x);
        if (x < 0 || y < 0 || x >= width || i + 2 >= rgb.Length) return;
        rgb[i] = r; rgb[i + 1] = g; rgb[i + 2] = b;
    }

    /// <summary>A 3x5 pixel font for numbers, scaled 2x: enough to label axes without a font library.</summary>
    private static class TinyFont
    {
        private static readonly Dictionary<char, string> Glyphs = new()
        {
            ['0'] = "111101101101111", ['1'] = "010110010010111", ['2'] = "111001111100111", ['3'] = "111001111001111",
            ['4'] = "101101111001001", ['5'] = "111100111001111", ['6'] = "111100111101111", ['7'] = "111001001001001",
            ['8'] = "111101111101111", ['9'] = "111101111001111", ['.'] = "000000000000010", ['-'] = "000000111000000",
            ['E'] = "111100111100111", ['e'] = "111100111100111", ['+'] = "000010111010000",
        };

        public static int Width(string s) => s.Length * 8;

        public static void Draw(byte[] rgb, int width, int x0, int y0, string text)
        {
            for (int k = 0; k < text.Length; k++)
            {
                if (!Glyphs.TryGetValue(text[k], out var g)) continue;
                for (int r = 0; r < 5; r++)
                    for (int c = 0; c < 3; c++)
                        if (g[r * 3 + c] == '1')
                            for (int dy = 0; dy < 2; dy++)
                                for (int dx = 0; dx < 2; dx++)
                                    Set(rgb, width, x0 + k * 8 + c * 2 + dx, y0 + r * 2 + dy, 0, 0, 0);
            }
        }
    }
}
