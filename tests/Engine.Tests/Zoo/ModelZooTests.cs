using AcqSeg.Engine.Network;
using AcqSeg.Engine.Sizing;
using AcqSeg.Engine.Tests.Inference;
using AcqSeg.Engine.Zoo;
using AcqSeg.Models;
using AcqSeg.Models.Sizing;
using AcqSeg.Models.Zoo;
using AcqSeg.TestSupport;
using TorchSharp;

namespace AcqSeg.Engine.Tests.Zoo;

// ModelZoo lives in src/Models, but these tests write and inspect tiny networks' weights: they need the engine.
[Collection(NetworkRunCollection.Name)]
public sealed class ModelZooTests : IDisposable
{
    private static readonly int[] Tiny = TinyNetworks.Widths;
    private readonly TempFolder temp = new("acqseg-zoo");

    public void Dispose() => temp.Dispose();

    private string TinyWeights(string file, int seed, double diamMean = 30) => TinyNetworks.Weights(temp, file, seed, diamMean);

    private ModelZoo NewZoo() => ZooNetwork.Open(temp.Sub("models"));

    [Fact]
    public void AddVersion_ThreeTimes_KeepsEveryVersionsWeightsAndLineage()
    {
        var zoo = NewZoo();
        string w1 = TinyWeights("a.pth", 1), w2 = TinyWeights("b.pth", 2, diamMean: 17), w3 = TinyWeights("c.pth", 3);

        var v1 = zoo.AddVersion("nuclei", w1, new ModelVersion { Schedule = "offline", Epochs = 100, TrainImages = 12, TrainRois = 340 });
        var v2 = zoo.AddVersion("nuclei", w2, new ModelVersion { Parent = ModelParent.FromModel("nuclei", 1), Schedule = "online", Epochs = 20 });
        var v3 = zoo.AddVersion("nuclei", w3, new ModelVersion { Parent = ModelParent.FromFile(w3, zoo.Root) });

        Assert.Equal([1, 2, 3], new[] { v1.Version, v2.Version, v3.Version });
        var m = ZooNetwork.Open(zoo.Root).Manifest("nuclei");
        Assert.Equal(3, m.Current);
        Assert.Equal(3, m.Versions.Count);
        Assert.Null(m.Find(1)!.Parent);
        Assert.Equal("nuclei v1", m.Find(2)!.Parent!.ToString());
        Assert.Equal(64, m.Find(3)!.Parent!.Sha256!.Length);
        Assert.Equal(17, m.Find(2)!.DiamMean, 4);
        Assert.Equal(Tiny, m.Find(1)!.Widths);
        Assert.Equal(340, m.Find(1)!.TrainRois);
        Assert.Equal(File.ReadAllBytes(w1), File.ReadAllBytes(zoo.WeightsPath("nuclei", 1)));
        Assert.Equal(File.ReadAllBytes(w2), File.ReadAllBytes(zoo.WeightsPath("nuclei", 2)));
        Assert.Equal(File.ReadAllBytes(w3), File.ReadAllBytes(Path.Combine(zoo.Folder("nuclei"), "model.pth")));
        Assert.EndsWith(Path.Combine("versions", "1", "model.pth"), zoo.WeightsPath("nuclei", 1));
        Assert.Equal(["nuclei"], zoo.Names());
    }

    [Fact]
    public void AddVersion_MovesTheSizeModelWithTheWeightsItBelongsTo()
    {
        var zoo = NewZoo();
        zoo.AddVersion("m", TinyWeights("a.pth", 1), new ModelVersion());
        var size = new SizeModel(new float[64], new float[64], 30, 0.25);
        zoo.SetSizeModel("m", size, new SizeModelInfo { Source = "test", TrainImages = 4, Crops = 40 });
        zoo.AddVersion("m", TinyWeights("b.pth", 2), new ModelVersion());

        Assert.Null(zoo.SizeModelPath("m"));
        Assert.NotNull(zoo.SizeModelPath("m", 1));
        Assert.Equal(0.25, SizeModel.Load(zoo.SizeModelPath("m", 1)!).YMean, 12);
        Assert.Equal(40, zoo.Manifest("m").Find(1)!.SizeModel!.Crops);
        Assert.Null(zoo.Manifest("m").Find(2)!.SizeModel);
    }

    [Fact]
    public void SetThresholds_WritesThemBesideTheWeights_OnTheCard_AndTheyStayWithTheirVersion()
    {
        var zoo = NewZoo();
        zoo.AddVersion("m", TinyWeights("a.pth", 1), new ModelVersion());
        string weights = zoo.WeightsPath("m");
        string card() => File.ReadAllText(Path.Combine(zoo.Folder("m"), "card.md"));
        Assert.Null(MaskThresholds.LoadBeside(weights));
        Assert.Contains("Cellpose's (flow threshold 0.4, cell-probability threshold 0)", card());
        var chosen = new MaskThresholds { FlowThreshold = 0.5f, CellprobThreshold = -0.5f, ChosenBy = "two Usiigaci folds against Cellpose's (docs/runs/phase-thresholds)" };

        zoo.SetThresholds("m", chosen);

        Assert.Equal(Path.Combine(zoo.Folder("m"), "thresholds.json"), MaskThresholds.PathBeside(weights));
        Assert.Equal(chosen, MaskThresholds.LoadBeside(weights));
        Assert.Equal(chosen, zoo.Manifest("m").Find(1)!.Thresholds);
        // Files people read: the apostrophe as written, not \u0027.
        Assert.Contains("against Cellpose's", File.ReadAllText(MaskThresholds.PathBeside(weights)));
        Assert.Contains("against Cellpose's", File.ReadAllText(Path.Combine(zoo.Folder("m"), "manifest.json")));
        Assert.Contains("`thresholds.json`: flow threshold 0.5, cell-probability threshold -0.5, which `segment`, `zoo eval` and the segment worker run at unless given others. Chosen by two Usiigaci folds against Cellpose's", card());

        // A new version's weights start at Cellpose's; the old version keeps its thresholds beside its weights.
        zoo.AddVersion("m", TinyWeights("b.pth", 2), new ModelVersion());
        Assert.Null(MaskThresholds.LoadBeside(zoo.WeightsPath("m")));
        Assert.Null(zoo.Manifest("m").Find(2)!.Thresholds);
        Assert.Equal(chosen, MaskThresholds.LoadBeside(Path.Combine(zoo.Folder("m"), "versions", "1", "model.pth")));
        Assert.Equal(chosen, zoo.Manifest("m").Find(1)!.Thresholds);
    }

    [Theory]
    [InlineData(-0.1f, 0f, "x", "flow threshold -0.1 must be 0 (check off) to 10")]
    [InlineData(0.4f, 7f, "x", "cell-probability threshold 7 must be -6 to 6")]
    [InlineData(float.NaN, 0f, "x", "flow threshold NaN")]
    [InlineData(0.4f, 0f, " ", "say how the thresholds were chosen")]
    public void SetThresholds_Refuses_WhatCannotRun_OrSaysNotHowItWasChosen(float flow, float cellprob, string chosenBy, string message)
    {
        var zoo = NewZoo();
        zoo.AddVersion("m", TinyWeights("a.pth", 1), new ModelVersion());

        var ex = Assert.Throws<ZooException>(() => zoo.SetThresholds("m", new MaskThresholds { FlowThreshold = flow, CellprobThreshold = cellprob, ChosenBy = chosenBy }));

        Assert.Contains(message, ex.Message);
        Assert.False(File.Exists(Path.Combine(zoo.Folder("m"), "thresholds.json")));
    }

    [Fact]
    public void ThresholdsFile_BesideAnyWeights_IsNamedAfterThem_AndABrokenOneNamesItselfAndTheFix()
    {
        string dir = Directory.CreateTempSubdirectory("acqseg-thresholds").FullName;
        try
        {
            string weights = Path.Combine(dir, "phase_v3.pth");
            Assert.Equal(Path.Combine(dir, "phase_v3_thresholds.json"), MaskThresholds.PathBeside(weights));
            File.WriteAllText(Path.Combine(dir, "phase_v3_thresholds.json"), "{\"flow_threshold\": 0.4, \"cellprob_threshold\": 9, \"chosen_by\": \"x\"}");

            var ex = Assert.Throws<WeightsCompanionFileException>(() => MaskThresholds.LoadBeside(weights));

            Assert.Contains("phase_v3_thresholds.json: cell-probability threshold 9 must be -6 to 6; rewrite it with `acqseg zoo set-thresholds` or delete it", ex.Message);
            File.WriteAllText(Path.Combine(dir, "phase_v3_thresholds.json"), "{ not json");
            Assert.Contains("not valid JSON", Assert.Throws<WeightsCompanionFileException>(() => MaskThresholds.LoadBeside(weights)).Message);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void SetRefinePasses_RewritesOnlyThePassCount_AndTheCardSaysSo()
    {
        var zoo = NewZoo();
        zoo.AddVersion("m", TinyWeights("a.pth", 1), new ModelVersion());
        var missing = Assert.Throws<ZooException>(() => zoo.SetRefinePasses("m", 4));
        Assert.Contains("has no size model; fit one with `acqseg zoo train-size m", missing.Message);

        var size = new SizeModel(Enumerable.Range(0, 64).Select(i => i / 64f).ToArray(), new float[64], 30, 0.25);
        zoo.SetSizeModel("m", size, new SizeModelInfo { Source = "test", TrainImages = 4, Crops = 40 });
        string card() => File.ReadAllText(Path.Combine(zoo.Folder("m"), "card.md"));
        Assert.DoesNotContain("refining passes", card());

        zoo.SetRefinePasses("m", 4);
        var back = SizeModel.Load(zoo.SizeModelPath("m")!);
        Assert.Equal(4, back.RefinePasses);
        Assert.Equal(size.A, back.A);
        Assert.Equal(0.25, back.YMean, 12);
        var info = zoo.Manifest("m").Find(1)!.SizeModel!;
        Assert.Equal((4, 40, "test"), (info.RefinePasses, info.Crops, info.Source));
        Assert.Contains("Up to 4 refining passes", card());

        zoo.SetRefinePasses("m", 1);
        Assert.Null(zoo.Manifest("m").Find(1)!.SizeModel!.RefinePasses);
        Assert.Equal(1, SizeModel.Load(zoo.SizeModelPath("m")!).RefinePasses);
        Assert.DoesNotContain("refining passes", card());
        Assert.Throws<ZooException>(() => zoo.SetRefinePasses("m", 9));

        zoo.SetRefinePasses("m", 8, 0.02);
        Assert.Equal((8, 0.02), (SizeModel.Load(zoo.SizeModelPath("m")!).RefinePasses, SizeModel.Load(zoo.SizeModelPath("m")!).SettledChange));
        Assert.Equal(0.02, zoo.Manifest("m").Find(1)!.SizeModel!.SettledChange);
        Assert.Contains("Up to 8 refining passes, each at the diameter the previous one measured, until it changes by less than 2 %", card());
        zoo.SetRefinePasses("m", 4);
        Assert.Equal(0.02, SizeModel.Load(zoo.SizeModelPath("m")!).SettledChange);
        var refused = Assert.Throws<ZooException>(() => zoo.SetRefinePasses("m", 4, 0.9));
        Assert.Contains("settled change 0.9: the settled change must be a fraction from 0.005 to 0.5", refused.Message);
        Assert.Equal(0.02, SizeModel.Load(zoo.SizeModelPath("m")!).SettledChange);
    }

    [Fact]
    public void SetSizeModel_WithStylesOfAnotherWidth_IsRefused()
    {
        var zoo = NewZoo();
        zoo.AddVersion("m", TinyWeights("a.pth", 1), new ModelVersion());
        var ex = Assert.Throws<ZooException>(() => zoo.SetSizeModel("m", new SizeModel(new float[256], new float[256], 30, 0), new SizeModelInfo()));
        Assert.Contains("256", ex.Message);
    }

    [SkippableFact]
    public void ImportThenExport_ReferenceWeights_KeepsTheStateDictByteForByte()
    {
        string reference = SharedData.Reference("cpnet_synth_e40.pth");
        var zoo = NewZoo();
        var v = zoo.Import(reference, "synth");
        Assert.Equal(1, v.Version);
        Assert.Equal(CellposeNet.DefaultWidths, v.Widths);
        Assert.Equal(27.54, v.DiamLabels, 2);
        Assert.Null(v.SizeModel);
        Assert.EndsWith("cpnet_synth_e40.pth", v.Parent!.File);

        string exported = temp.File("out.pth");
        var written = zoo.Export("synth", exported);
        Assert.Equal([Path.GetFullPath(exported)], written);
        Assert.Equal(File.ReadAllBytes(reference), File.ReadAllBytes(exported));

        var a = CellposeWeights.ReadStateDict(reference);
        var b = CellposeWeights.ReadStateDict(exported);
        try
        {
            Assert.Equal(313, b.Count);
            foreach (var (key, t) in a) Assert.True(t.eq(b[key]).all().item<bool>(), $"{key} differs after import/export");
        }
        finally
        {
            foreach (var t in a.Values.Concat(b.Values)) t.Dispose();
        }
    }

    [SkippableFact]
    public void Import_WithCellposeSizeFile_StoresItAndExportWritesItBeside()
    {
        string reference = SharedData.Reference("cpnet_synth_e40.pth");
        var zoo = NewZoo();
        string npy = Path.Combine(SharedData.RepoRoot, "tests", "Models.Tests", "Sizing", "Fixtures", "cellpose_size_v1.npy");
        var v = zoo.Import(reference, "synth", npy);

        Assert.NotNull(v.SizeModel);
        var stored = SizeModel.Load(zoo.SizeModelPath("synth")!);
        Assert.Equal(0.125, stored.YMean, 6);
        Assert.Equal(0.03f, stored.A[6], 6);

        var written = zoo.Export("synth", temp.File("exported.pth"));
        Assert.Equal(2, written.Count);
        Assert.EndsWith("exported_size.npy", written[1]);
        Assert.Equal(stored.A, SizeModel.Load(written[1]).A);
        Assert.Equal(written[1], SizeModel.FindBeside(written[0]));
    }

    [Fact]
    public void Import_FileThatIsNotACellposeModel_IsRefusedNamingTheFile()
    {
        string bad = temp.File("notes.pth");
        File.WriteAllText(bad, "not a model");
        var zoo = NewZoo();
        var ex = Assert.Throws<ZooException>(() => zoo.Import(bad, "x"));
        Assert.Contains("notes.pth", ex.Message);
        Assert.Empty(zoo.Names());
    }

    [Fact]
    public void Card_ShowsDataScheduleDiametersApSizeModelAndWallTime()
    {
        var zoo = NewZoo();
        zoo.AddVersion("nuclei", TinyWeights("a.pth", 1), new ModelVersion
        {
            Schedule = "offline", Epochs = 150, TrainImages = 1234, TrainRois = 45678, WallSeconds = 3725, ImagesPerSecond = 2.5,
            Parent = ModelParent.FromModel("general", 2), Notes = "narrow network",
        });
        zoo.RecordAp("nuclei", "dsb2018_fluo_nuclei", 0.87);
        zoo.RecordAp("nuclei", "ctc_fluo_n2dh_gowt1", 0.91);
        zoo.SetSizeModel("nuclei", new SizeModel(new float[64], new float[64], 30, 0), new SizeModelInfo { Source = "train-size", TrainImages = 12, Crops = 120, TrainCorrelation = 0.93 });

        string card = File.ReadAllText(Path.Combine(zoo.Folder("nuclei"), "card.md"));
        Assert.Contains("# Model card: nuclei", card);
        Assert.Contains("| training data | 1,234 images, 45,678 ROIs |", card);
        Assert.Contains("| schedule | offline, 150 epochs |", card);
        Assert.Contains("| network widths | 2, 8, 16, 32, 64 |", card);
        Assert.Contains("| diam_mean | 30 |", card);
        Assert.Contains("| parent | general v2 |", card);
        Assert.Contains("| wall time | 1 h 02 min (2.5 images/s) |", card);
        Assert.Contains("| dsb2018_fluo_nuclei | 0.870 |", card);
        Assert.Contains("| ctc_fluo_n2dh_gowt1 | 0.910 |", card);
        Assert.Contains("| **mean** | **0.890** |", card);
        Assert.Contains("on 12 images (120 crops), train correlation 0.93", card);
        Assert.Contains("| 1 (current) | general v2 |", card);
    }

    [Fact]
    public void Targets_AreStatedOnTheCardAgainstTheCurrentVersion_KeptAcrossVersions_AndRemovable()
    {
        var zoo = NewZoo();
        zoo.AddVersion("nuclei", TinyWeights("a.pth", 1), new ModelVersion());
        zoo.RecordAp("nuclei", "fluo_a", 0.90);
        zoo.RecordAp("nuclei", "fluo_b", 0.7998);
        zoo.RecordAp("nuclei", "he", 0.74);
        zoo.RecordAp("nuclei", "fluo_a", 0.91, atTrueDiameter: true);
        zoo.SetTarget("nuclei", new AccuracyTarget { Label = "fluorescence", Folders = ["fluo_a", "fluo_b"], MinAp = 0.85 });
        zoo.SetTarget("nuclei", new AccuracyTarget { Label = "H&E", Folders = ["he"], MinAp = 0.70 });
        // Replaced by label, not added twice.
        zoo.SetTarget("nuclei", new AccuracyTarget { Label = "H&E", Folders = ["he"], MinAp = 0.75 });

        string Card() => File.ReadAllText(Path.Combine(zoo.Folder("nuclei"), "card.md"));
        // (0.90 + 0.7998) / 2 = 0.8499: below 0.85, and the card shows enough decimals to see why.
        Assert.Contains("| fluorescence | fluo_a, fluo_b | 0.850 | 0.8499, not met (-0.0001) | not scored on fluo_b |", Card());
        Assert.Contains("| H&E | he | 0.750 | 0.7400, not met (-0.0100) | not scored on he |", Card());
        Assert.Equal(2, zoo.Manifest("nuclei").Targets!.Count);

        zoo.RecordAp("nuclei", "fluo_b", 0.8);
        Assert.Contains("| fluorescence | fluo_a, fluo_b | 0.850 | 0.8500, **met** |", Card());

        // A new version starts unscored; the targets stay with the model.
        zoo.AddVersion("nuclei", TinyWeights("b.pth", 2), new ModelVersion());
        Assert.Contains("| H&E | he | 0.750 | not scored on he | not scored on he |", Card());

        zoo.RemoveTarget("nuclei", "H&E");
        Assert.DoesNotContain("| H&E |", Card());
        zoo.RemoveTarget("nuclei", "fluorescence");
        Assert.DoesNotContain("## Targets", Card());
        Assert.Null(zoo.Manifest("nuclei").Targets);
        string written = File.ReadAllText(Path.Combine(zoo.Folder("nuclei"), "manifest.json"));
        Assert.DoesNotContain("targets", written);
        // Derived values are not stored; files written before that (with them) still read.
        Assert.DoesNotContain("current_version", written);
        Assert.DoesNotContain("next_version", written);
        string older = written.TrimEnd().TrimEnd('}') + ", \"current_version\": {\"version\": 1}, \"next_version\": 3}";
        File.WriteAllText(Path.Combine(zoo.Folder("nuclei"), "manifest.json"), older);
        Assert.Equal(2, zoo.Manifest("nuclei").CurrentVersion.Version);
    }

    [Theory]
    [InlineData("", "a", 0.8, "needs a label")]
    [InlineData("x", "", 0.8, "at least one evaluation folder")]
    [InlineData("x", "a", 0.0, "must lie in (0, 1]")]
    [InlineData("x", "a", 1.5, "must lie in (0, 1]")]
    [InlineData("x", "a,a", 0.8, "names a folder twice")]
    public void SetTarget_Refuses_WhatCannotBeATarget(string label, string folders, double min, string message)
    {
        var zoo = NewZoo();
        zoo.AddVersion("nuclei", TinyWeights("a.pth", 1), new ModelVersion());
        string[] names = folders.Length == 0 ? [] : folders.Split(',');
        var ex = Assert.Throws<ZooException>(() => zoo.SetTarget("nuclei", new AccuracyTarget { Label = label, Folders = names, MinAp = min }));
        Assert.Contains(message, ex.Message);
        Assert.Contains("no target 'y'", Assert.Throws<ZooException>(() => zoo.RemoveTarget("nuclei", "y")).Message);
    }

    [Fact]
    public void Manifest_OfFolderWithoutOne_IsDescribedFromWeightsAndRunJson()
    {
        var zoo = NewZoo();
        string folder = Path.Combine(zoo.Root, "old");
        Directory.CreateDirectory(Path.Combine(folder, "training"));
        File.Copy(TinyWeights("a.pth", 1, diamMean: 22), Path.Combine(folder, "model.pth"));
        File.WriteAllText(Path.Combine(folder, "training", "run.json"),
            """{"pretrained": "none", "schedule": "online", "epochs": 100, "train_images": 9, "train_rois": 120, "wall_seconds_all_runs": 60.5, "images_per_second": 1.7, "finished": "2025-01-02T03:04:05+00:00"}""");

        var m = zoo.Manifest("old");
        var v = Assert.Single(m.Versions);
        Assert.Equal(1, m.Current);
        Assert.Equal("online", v.Schedule);
        Assert.Equal(120, v.TrainRois);
        Assert.Equal(22, v.DiamMean, 4);
        Assert.Equal(new DateTimeOffset(2025, 1, 2, 3, 4, 5, TimeSpan.Zero), v.Created);
        Assert.Null(v.Parent);

        // The first change writes that version down and adds the next.
        var v2 = zoo.AddVersion("old", TinyWeights("b.pth", 2), new ModelVersion { Parent = ModelParent.FromModel("old", 1) });
        Assert.Equal(2, v2.Version);
        Assert.Equal("online", zoo.Manifest("old").Find(1)!.Schedule);
        Assert.True(File.Exists(Path.Combine(folder, "versions", "1", "model.pth")));
    }

    [Fact]
    public void ParentFromPretrained_NamesZooModelsAtTheirCurrentVersionAndFilesByHash()
    {
        var zoo = NewZoo();
        string w = TinyWeights("a.pth", 1);
        zoo.AddVersion("general", w, new ModelVersion());
        zoo.AddVersion("general", TinyWeights("b.pth", 2), new ModelVersion());

        Assert.Null(zoo.ParentFromPretrained("none"));
        Assert.Equal("general v2", zoo.ParentFromPretrained("general")!.ToString());
        var file = zoo.ParentFromPretrained(w)!;
        Assert.Null(file.Model);
        Assert.Equal(ModelSuggester.Sha256(w), file.Sha256);
    }

    [Fact]
    public void Names_WithBadModelName_AreRefused()
    {
        var zoo = NewZoo();
        Assert.Throws<ZooException>(() => zoo.Folder("../escape"));
        Assert.Throws<ZooException>(() => zoo.Manifest("missing"));
    }
}
