using AcqSeg.Engine.Inference;
using TorchSharp;

namespace AcqSeg.Engine.Tests.Inference;

public class DeviceChoiceTests
{
    [Theory]
    [InlineData("cpu", "cpu")]
    [InlineData("AUTO", "auto")]
    [InlineData("cuda", "cuda")]
    [InlineData(" cuda:1 ", "cuda:1")]
    public void Parse_KnownSpecs(string spec, string expected) => Assert.Equal(expected, DeviceChoice.Parse(spec).Spec);

    [Theory]
    [InlineData("gpu")]
    [InlineData("cuda:x")]
    [InlineData("cuda:-1")]
    public void Parse_Unknown_ThrowsListingChoices(string spec)
    {
        var ex = Assert.Throws<ArgumentException>(() => DeviceChoice.Parse(spec));
        Assert.Contains("cuda:N", ex.Message);
    }

    [Fact]
    public void Resolve_Cpu_IsCpu() => Assert.Equal(DeviceType.CPU, DeviceChoice.Cpu.Resolve().type);

    [Fact]
    public void Resolve_Auto_PicksCudaOnlyWhenAvailable()
    {
        var expected = torch.cuda.is_available() ? DeviceType.CUDA : DeviceType.CPU;
        Assert.Equal(expected, DeviceChoice.Auto.Resolve().type);
    }

    [SkippableFact]
    public void Resolve_CudaWithoutCuda_ThrowsWithFix()
    {
        Skip.If(torch.cuda.is_available(), "CUDA is present on this host");
        var ex = Assert.Throws<DeviceUnavailableException>(() => DeviceChoice.Cuda(1).Resolve());
        Assert.Equal("cuda:1", ex.Device);
        Assert.Contains("use 'cpu'", ex.Message);
    }
}
