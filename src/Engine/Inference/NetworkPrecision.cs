using TorchSharp;

namespace AcqSeg.Engine.Inference;

/// <summary>Arithmetic the fast path runs in.</summary>
public enum NetworkPrecision
{
    /// <summary>bfloat16 on a CPU with native bf16 instructions (AVX512-BF16 or AMX) for weights whose bf16 check holds,
    /// float32 otherwise and on CUDA.</summary>
    Auto,
    Float32,
    BFloat16,
}

public static class NetworkPrecisionExtensions
{
    private static readonly Lazy<bool> CpuHasBf16 = new(DetectCpuBf16);

    /// <summary>Whether this CPU has native bf16 instructions (AVX512-BF16 or AMX-BF16; Linux only, else false).</summary>
    public static bool CpuHasNativeBf16 => CpuHasBf16.Value;

    /// <summary>The scalar type to run: Auto is bf16 only on a CPU with native bf16 and for weights whose bf16 masks were
    /// checked against the exact ones (<see cref="Models.Precision.Bf16Check"/>), float32 otherwise.</summary>
    /// <param name="bf16Checked">asked only when auto could run bf16 here (it may hash the weights)</param>
    public static torch.ScalarType Resolve(this NetworkPrecision precision, torch.Device device, Func<bool> bf16Checked) => precision switch
    {
        NetworkPrecision.Float32 => torch.ScalarType.Float32,
        NetworkPrecision.BFloat16 => torch.ScalarType.BFloat16,
        // On CUDA the gain of bf16 depends on the GPU generation, which TorchSharp does not report: keep float32 there.
        _ => device.type == DeviceType.CPU && CpuHasBf16.Value && bf16Checked() ? torch.ScalarType.BFloat16 : torch.ScalarType.Float32,
    };

    /// <summary>Parses auto, float32/fp32 or bfloat16/bf16.</summary>
    public static NetworkPrecision Parse(string text) => text.Trim().ToLowerInvariant() switch
    {
        "auto" => NetworkPrecision.Auto,
        "float32" or "fp32" => NetworkPrecision.Float32,
        "bfloat16" or "bf16" => NetworkPrecision.BFloat16,
        _ => throw new ArgumentException($"precision '{text}' is not one of auto, float32, bfloat16", nameof(text)),
    };

    // Without native instructions libtorch emulates bf16 and runs slower than float32.
    private static bool DetectCpuBf16()
    {
        const string cpuinfo = "/proc/cpuinfo";
        if (!OperatingSystem.IsLinux() || !File.Exists(cpuinfo)) return false;
        foreach (string line in File.ReadLines(cpuinfo))
        {
            if (!line.StartsWith("flags", StringComparison.Ordinal)) continue;
            var flags = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            return flags.Contains("avx512_bf16") || flags.Contains("amx_bf16");
        }
        return false;
    }
}
