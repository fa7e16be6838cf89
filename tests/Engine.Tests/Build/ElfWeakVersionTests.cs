using AcqSeg.Build;
using TorchSharp;

namespace AcqSeg.Engine.Tests.Build;

public class ElfWeakVersionTests
{
    private const string Version = "GLIBCXX_3.4.32";

    private static string PackagedLibrary()
    {
        string packages = Environment.GetEnvironmentVariable("NUGET_PACKAGES")
            ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        string lib = Path.Combine(packages, "torchsharp", "0.107.0", "runtimes", "linux-x64", "native", "libLibTorchSharp.so");
        Skip.IfNot(File.Exists(lib), $"TorchSharp package not in the NuGet cache at {lib}");
        return lib;
    }

    private static string OutputLibrary() =>
        Path.Combine(AppContext.BaseDirectory, "runtimes", "linux-x64", "native", "libLibTorchSharp.so");

    [SkippableFact]
    public void Patch_PackagedTorchSharpLibrary_MarksVersionNeedWeakAndRebindsItsSymbols()
    {
        byte[] elf = File.ReadAllBytes(PackagedLibrary());
        var before = ElfWeakVersion.ReadVersionNeeds(elf).Single(n => n.Version == Version);
        Assert.Equal(0, before.Flags & ElfWeakVersion.VerFlgWeak);

        Assert.Equal(ElfPatchOutcome.Patched, ElfWeakVersion.Patch(elf, Version));

        var after = ElfWeakVersion.ReadVersionNeeds(elf).Single(n => n.Version == Version);
        Assert.Equal(ElfWeakVersion.VerFlgWeak, after.Flags & ElfWeakVersion.VerFlgWeak);
        Assert.Equal("libstdc++.so.6", after.File);
        // Every other need is untouched.
        var othersBefore = ElfWeakVersion.ReadVersionNeeds(File.ReadAllBytes(PackagedLibrary())).Where(n => n.Version != Version);
        var othersAfter = ElfWeakVersion.ReadVersionNeeds(elf).Where(n => n.Version != Version);
        Assert.Equal(othersBefore, othersAfter);
    }

    [SkippableFact]
    public void Patch_AppliedTwice_ReportsAlreadyPatchedAndChangesNothing()
    {
        byte[] elf = File.ReadAllBytes(PackagedLibrary());
        ElfWeakVersion.Patch(elf, Version);
        byte[] once = (byte[])elf.Clone();
        Assert.Equal(ElfPatchOutcome.AlreadyPatched, ElfWeakVersion.Patch(elf, Version));
        Assert.Equal(once, elf);
    }

    [Fact]
    public void Patch_VersionTheLibraryDoesNotNeed_LeavesBytesAlone()
    {
        byte[] elf = File.ReadAllBytes(OutputLibrary());
        byte[] copy = (byte[])elf.Clone();
        Assert.Equal(ElfPatchOutcome.VersionNotNeeded, ElfWeakVersion.Patch(elf, "GLIBCXX_9.9.99"));
        Assert.Equal(copy, elf);
    }

    [Fact]
    public void Patch_NotAnElfFile_IsRecognised()
    {
        Assert.Equal(ElfPatchOutcome.NotElf64, ElfWeakVersion.Patch(new byte[200], Version));
    }

    [Fact]
    public void BuildOutput_CopyIsWeakExactlyWhenTheSystemLibStdCxxLacksTheVersion()
    {
        string? system = ElfWeakVersion.FindSystemLibStdCxx();
        bool systemHasIt = system is null || ElfWeakVersion.LibraryDefinesVersion(system, Version);
        var need = ElfWeakVersion.ReadVersionNeeds(File.ReadAllBytes(OutputLibrary())).Single(n => n.Version == Version);
        Assert.Equal(!systemHasIt, (need.Flags & ElfWeakVersion.VerFlgWeak) != 0);
    }

    [Fact]
    public void TorchSharp_LoadsFromTheBuildOutput_AndRunsAConvolution()
    {
        using var scope = torch.NewDisposeScope();
        var conv = torch.nn.Conv2d(1, 1, 3, padding: 1, bias: false);
        using (torch.no_grad()) conv.weight!.fill_(1f);
        var y = conv.call(torch.ones(1, 1, 5, 5));
        Assert.Equal(9f, y[0, 0, 2, 2].item<float>());
        Assert.Equal(4f, y[0, 0, 0, 0].item<float>());
    }
}
