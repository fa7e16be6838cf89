using AcqSeg.Engine.Inference;
using AcqSeg.Engine.Zoo;
using AcqSeg.Imaging.Io;
using AcqSeg.Imaging.Synthesis;
using AcqSeg.Models;
using AcqSeg.Models.Assignment;
using AcqSeg.Models.Zoo;
using AcqSeg.SegmentWorker;
using AcqSeg.SegmentWorker.ModelChoice;
using AcqSeg.ServiceDefaults;
using AcqSeg.TestSupport;
using AcqSeg.Watcher;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace AcqSeg.Hosts.Tests.SegmentWorker;

public class ZooStyleTests
{
    private static string ReferenceWeights => SharedData.Reference("cpnet_synth_e40.pth");

    private static float[] StyleOf(CellposeModel reference, SynthStyle style, int seed)
    {
        var f = SyntheticFrames.Generate(new SynthSettings { Style = style, Height = 224, Width = 224, Seed = seed });
        return ZooNetwork.StyleOf(reference, f.Image);
    }

    /// <summary>A zoo with `general` (the reference weights) and two models whose stored styles come from it.</summary>
    private static ModelZoo BuildZoo(string root)
    {
        var zoo = ZooNetwork.Open(root);
        zoo.Import(ReferenceWeights, "general");
        zoo.Import(ReferenceWeights, "fluo");
        zoo.Import(ReferenceWeights, "phase");
        string sha = ModelSuggester.Sha256(zoo.WeightsPath("general"));
        using var reference = CellposeModel.Load(zoo.WeightsPath("general"), DeviceChoice.Cpu);
        zoo.SaveStyles("fluo", new StyleSet("general", sha, Enumerable.Range(0, 4).Select(i => new StyleExample($"n{i}", StyleOf(reference, SynthStyle.Nuclei, i))).ToList()));
        zoo.SaveStyles("phase", new StyleSet("general", sha, Enumerable.Range(0, 4).Select(i => new StyleExample($"p{i}", StyleOf(reference, SynthStyle.Phase, i))).ToList()));
        return zoo;
    }

    private static StyleModelSuggester Suggester(string zooRoot, string defaultModel = "fallback") => new(
        Options.Create(new ModelChoiceOptions { DefaultModel = defaultModel }),
        Options.Create(new ModelsOptions { ZooRoot = zooRoot }),
        NullLogger<StyleModelSuggester>.Instance);

    [SkippableFact]
    public async Task Suggest_FrameOfAKnownStyle_PicksTheModelWhoseTrainingStylesAreNearest()
    {
        using var tmp = new TempFolder();
        BuildZoo(tmp.Sub("zoo"));
        var frame = SyntheticFrames.Generate(new SynthSettings { Style = SynthStyle.Phase, Height = 224, Width = 224, Seed = 99 });
        string path = tmp.File("frame.tif");
        TiffWriter.WriteFloatPages(path, [frame.Image.Channel(0).ToArray()], 224, 224);
        using var suggester = Suggester(tmp.Path + "/zoo");
        Assert.Equal("phase", await suggester.SuggestAsync("acq", TiffReader.Read(path), CancellationToken.None));
    }

    [Fact]
    public async Task Suggest_WithoutAZoo_FallsBackToTheDefaultModel()
    {
        using var suggester = Suggester("", defaultModel: "nuclei");
        Assert.Equal("nuclei", await suggester.SuggestAsync("acq", new ImageData(new float[64], 1, 8, 8), CancellationToken.None));
    }

    [SkippableFact]
    public async Task TrainingStyles_OnlyWhenMadeWithTheModelsOwnWeights()
    {
        using var tmp = new TempFolder();
        var zoo = BuildZoo(tmp.Sub("zoo"));
        // fluo's styles were made with general's weights; here fluo *is* the same file, so its hash matches.
        using var db = new TestDatabase();
        var options = Options.Create(new ModelsOptions { ZooRoot = zoo.Root });
        var registry = new ModelRegistry(options, db.Models);
        // The service registers each lineage's base at its zoo version (1 here: each was imported once).
        foreach (string name in new[] { "fluo", "general", "phase" })
            Assert.Equal(1, (await registry.LiveAsync(name)).Version);
        var styles = new ZooTrainingStyles(options, db.Models);
        Assert.Equal(4, (await styles.ForModelAsync("fluo", 1, CancellationToken.None))!.Count);
        Assert.Null(await styles.ForModelAsync("fluo", 2, CancellationToken.None));
        Assert.Null(await styles.ForModelAsync("general", 1, CancellationToken.None)); // no styles stored
        zoo.SaveStyles("phase", new StyleSet("other", "0000", [new StyleExample("x", new float[256])]));
        Assert.Null(await styles.ForModelAsync("phase", 1, CancellationToken.None));
    }
}
