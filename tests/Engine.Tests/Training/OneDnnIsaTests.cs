using AcqSeg.Engine.Training;
using AcqSeg.TestSupport;

namespace AcqSeg.Engine.Tests.Training;

public sealed class OneDnnIsaTests : IDisposable
{
    private readonly TempFolder temp = new("acqseg-isa");

    public void Dispose() => temp.Dispose();

    private string CpuInfo(string vendor, int family, string flags)
    {
        string path = temp.File($"cpuinfo-{vendor}-{family}-{flags.Length}");
        File.WriteAllText(path, $"processor\t: 0\nvendor_id\t: {vendor}\ncpu family\t: {family}\nmodel\t\t: 2\nflags\t\t: fpu {flags} sse2\n\nprocessor\t: 1\nvendor_id\t: {vendor}\n");
        return path;
    }

    [Fact]
    public void IsAffected_OnlyAmdFamily26WithAvx512()
    {
        Assert.True(OneDnnIsa.IsAffected(CpuInfo("AuthenticAMD", 26, "avx2 avx512f avx512_bf16")));
        Assert.False(OneDnnIsa.IsAffected(CpuInfo("AuthenticAMD", 25, "avx2 avx512f avx512_bf16")));
        Assert.False(OneDnnIsa.IsAffected(CpuInfo("AuthenticAMD", 26, "avx2")));
        Assert.False(OneDnnIsa.IsAffected(CpuInfo("GenuineIntel", 26, "avx2 avx512f")));
        Assert.False(OneDnnIsa.IsAffected(temp.File("missing")));
    }

    [Fact]
    public void ThisProcess_OnAnAffectedCpu_HasTheLimitSet()
    {
        // The test host's module initialiser ran LimitOnAffectedCpu before any convolution.
        if (OneDnnIsa.IsAffected("/proc/cpuinfo")) Assert.Equal("AVX2", Environment.GetEnvironmentVariable(OneDnnIsa.Variable));
        // A limit already set (by the initialiser or the user) is left alone, even for a CPU description that is affected.
        string? set = Environment.GetEnvironmentVariable(OneDnnIsa.Variable);
        if (set is not null)
        {
            Assert.False(OneDnnIsa.LimitOnAffectedCpu(CpuInfo("AuthenticAMD", 26, "avx512f")));
            Assert.Equal(set, Environment.GetEnvironmentVariable(OneDnnIsa.Variable));
        }
    }
}
