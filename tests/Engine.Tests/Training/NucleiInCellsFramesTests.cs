using AcqSeg.Imaging.Synthesis;
using static AcqSeg.TestSupport.TestLabels;

namespace AcqSeg.Engine.Tests.Training;

// A test of SyntheticFrames (src/Imaging, Imaging.Tests/Synthesis) kept here: it measures the nuclei with the
// training data's TrainingData.Diameter (src/Engine).
public class NucleiInCellsFramesTests
{
    [Fact]
    public void Generate_NucleiInCells_LabelsOnlyTheDarkNuclei_InsidePaleCellsFourTimesWider()
    {
        var s = new SynthSettings { Style = SynthStyle.NucleiInCells, Height = 512, Width = 512, Diameter = 16, CellScale = 4, Density = 0.5, Seed = 21 };
        var f = SyntheticFrames.Generate(s);
        Assert.Equal(1, f.Image.Channels);
        int n = f.Masks.CountObjects();
        Assert.True(n >= 15, $"only {n} nuclei");
        Assert.Equal(n, f.Masks.MaxLabel);
        Assert.InRange(AcqSeg.Engine.Training.TrainingData.Diameter(f.Masks), 16 * 0.8, 16 * 1.2);

        // Pixels just outside a nucleus (its cell's body) are darker than the empty field, and the nuclei darker still:
        // the cells are there in the image, only not in the masks.
        float[] ch = f.Image.Channel(0).ToArray();
        var near = new List<float>();
        var centres = f.Masks.Labels.Select((v, i) => (v, i)).Where(t => t.v != 0).GroupBy(t => t.v)
            .Select(g => (Y: g.Average(t => t.i / 512.0), X: g.Average(t => t.i % 512))).ToList();
        foreach (var (cy, cx) in centres)
            for (int a = 0; a < 16; a++)
            {
                int y = (int)(cy + 14 * Math.Sin(a * Math.PI / 8)), x = (int)(cx + 14 * Math.Cos(a * Math.PI / 8));
                if (y >= 0 && x >= 0 && y < 512 && x < 512 && f.Masks[y, x] == 0) near.Add(ch[y * 512 + x]);
            }
        double field = ch.Order().ElementAt((int)(0.98 * ch.Length)); // the brightest pixels: empty background
        double body = near.Average(), nucleus = MeanWhere(f.Image, 0, f.Masks, true);
        Assert.True(body < 0.97 * field, $"cell body {body}, field {field}");
        Assert.True(nucleus < 0.6 * body, $"nuclei {nucleus}, cell body {body}");

        Assert.ThrowsAny<ArgumentOutOfRangeException>(() => SyntheticFrames.Generate(s with { Height = 100, Width = 100 })); // cells of 64 px do not fit
        Assert.Equal(nameof(SynthSettings.CellScale), Assert.ThrowsAny<ArgumentOutOfRangeException>(() => SyntheticFrames.Generate(s with { CellScale = 20 })).ParamName);
    }
}
