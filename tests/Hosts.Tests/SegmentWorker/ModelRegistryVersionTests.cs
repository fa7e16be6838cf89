using AcqSeg.Engine.Zoo;
using AcqSeg.Models;
using AcqSeg.Persistence;
using AcqSeg.TestSupport;
using Microsoft.Extensions.Options;

namespace AcqSeg.Hosts.Tests.SegmentWorker;

/// <summary>The registry numbers a service lineage as the zoo does: the version a log or the models page names is the
/// version that segments, and it matches `acqseg zoo list`.</summary>
public sealed class ModelRegistryVersionTests
{
    private static string ReferenceWeights => SharedData.Reference("cpnet_synth_e40.pth");

    [SkippableFact]
    public async Task ZooBase_IsRegisteredAtItsZooVersion_AFineTuneContinuesTheNumbers_AConfiguredFileStartsAt1()
    {
        using var tmp = new TempFolder();
        var zoo = ZooNetwork.Open(tmp.Sub("zoo"));
        zoo.Import(ReferenceWeights, "fluo");
        zoo.Import(ReferenceWeights, "fluo"); // the zoo's current fluo is now version 2
        Assert.Equal(2, zoo.Manifest("fluo").Current);
        using var db = new TestDatabase();
        var registry = new ModelRegistry(Options.Create(new ModelsOptions
        {
            ZooRoot = zoo.Root,
            Paths = { ["lab"] = ReferenceWeights },
        }), db.Models);

        var live = await registry.LiveAsync("fluo");
        Assert.Equal((2, Path.GetFullPath(zoo.WeightsPath("fluo"))), (live.Version, live.Path));

        // A fine-tune published here continues from the zoo's number, and the base stays the zoo version.
        Assert.True(await db.Models.TryAddVersionAsync(new ModelVersionRow
        {
            Model = "fluo", Version = 3, Path = registry.VersionPath("fluo", 3), Sha256 = "ab", ParentVersion = 2,
            CreatedAt = Database.Timestamp(DateTimeOffset.UtcNow),
        }));
        Assert.Equal(3, (await registry.LiveAsync("fluo")).Version);
        Assert.Equal(2, (await db.Models.BaseAsync("fluo"))!.Version);

        // A weight file from configuration has no zoo number.
        Assert.Equal(1, (await registry.LiveAsync("lab")).Version);
    }
}
