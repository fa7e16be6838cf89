using AcqSeg.AllRolesHost;

namespace AcqSeg.Hosts.Tests.AllRolesHost;

/// <summary>What `acqseg run` hands its roles as configuration.</summary>
public class HostConfigurationTests
{
    private static RunSettings Settings(string? zoo) => new()
    {
        WatchFolders = ["watch"], OutputFolder = "out", ModelName = "m", ModelPath = "m.pth", ZooRoot = zoo,
    };

    [Fact]
    public void ZooRoot_IsPassedAsAFullPath_NotLeftToTheRolesRelativeDefault()
    {
        var c = AcqSegHost.Configuration(Settings("some/models"));
        Assert.Equal(Path.GetFullPath("some/models"), c["Models:ZooRoot"]);
    }

    [Fact]
    public void NoZoo_IsAnEmptyZooRoot_SoTheWorkingFoldersModelsFolderIsNotPickedUp()
    {
        var c = AcqSegHost.Configuration(Settings(null));
        Assert.Equal("", c["Models:ZooRoot"]);
    }

    [Fact]
    public void ANamedModel_IsARuleForEveryAcquisition_OtherwiseOnlyTheFallbackOfTheStyleChoice()
    {
        var named = AcqSegHost.Configuration(Settings(null) with { ModelForEveryAcquisition = true });
        Assert.Equal(("*", "m"), (named["ModelChoice:Rules:0:Pattern"], named["ModelChoice:Rules:0:Model"]));
        var fallback = AcqSegHost.Configuration(Settings(null));
        Assert.False(fallback.ContainsKey("ModelChoice:Rules:0:Pattern"));
        Assert.Equal("m", fallback["ModelChoice:DefaultModel"]);
    }

    [Fact]
    public void SaveFlows_SetsTheWorkersOption_WithoutIt_TheConfigurationDecides()
    {
        Assert.Equal("true", AcqSegHost.Configuration(Settings(null) with { SaveFlows = true })["SegmentWorker:SaveFlows"]);
        // Not "false": that would override SegmentWorker__SaveFlows=true from the environment.
        Assert.False(AcqSegHost.Configuration(Settings(null)).ContainsKey("SegmentWorker:SaveFlows"));
    }
}
