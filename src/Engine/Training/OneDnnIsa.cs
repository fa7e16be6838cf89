using System.Runtime.InteropServices;

namespace AcqSeg.Engine.Training;

/// <summary>
/// oneDNN inside libtorch 2.x (TorchSharp 0.107) computes wrong, run-to-run different input gradients for 3x3
/// convolutions with its AVX-512 kernels on AMD CPUs of family 26 (Zen 5): measured here, the same backward pass twice
/// differed in nearly every element, by up to a sixth of the largest gradient, and short training runs ended with NaN
/// weights; forward passes were exact. Limited to AVX2 (oneDNN's ONEDNN_MAX_CPU_ISA), training is exact and repeatable.
/// <see cref="LimitOnAffectedCpu"/> sets that limit for the process on such CPUs, unless the user set one; it must run
/// before the first convolution (oneDNN reads the variable once). Training entry points and test hosts call it.
/// </summary>
public static class OneDnnIsa
{
    public const string Variable = "ONEDNN_MAX_CPU_ISA";

    /// <summary>What a training entry point tells the user when <see cref="LimitOnAffectedCpu"/> applied the limit.</summary>
    public const string Notice =
        "AMD family 26 CPU: oneDNN limited to AVX2 for this run (its AVX-512 convolution backward gives wrong gradients here; see DEVELOPERS.md)";

    /// <summary>Sets ONEDNN_MAX_CPU_ISA=AVX2 on an affected CPU; returns true when it did.</summary>
    public static bool LimitOnAffectedCpu(string cpuInfoPath = "/proc/cpuinfo")
    {
        if (!OperatingSystem.IsLinux()) return false;
        if (Environment.GetEnvironmentVariable(Variable) is not null || Environment.GetEnvironmentVariable("DNNL_MAX_CPU_ISA") is not null) return false;
        if (!IsAffected(cpuInfoPath)) return false;
        // .NET keeps its own copy of the environment on Unix; oneDNN reads the C library's.
        if (setenv(Variable, "AVX2", 0) != 0) return false;
        Environment.SetEnvironmentVariable(Variable, "AVX2");
        return true;
    }

    /// <summary>AMD family 26 (0x1A, Zen 5) with AVX-512, as /proc/cpuinfo describes the first CPU.</summary>
    public static bool IsAffected(string cpuInfoPath)
    {
        if (!File.Exists(cpuInfoPath)) return false;
        string? vendor = null, family = null, flags = null;
        foreach (string line in File.ReadLines(cpuInfoPath))
        {
            if (line.Length == 0 && vendor is not null) break;
            int colon = line.IndexOf(':');
            if (colon < 0) continue;
            string key = line[..colon].Trim(), value = line[(colon + 1)..].Trim();
            if (key == "vendor_id") vendor = value;
            else if (key == "cpu family") family = value;
            else if (key == "flags") flags = value;
        }
        return vendor == "AuthenticAMD" && family == "26" && flags is not null && flags.Split(' ').Contains("avx512f");
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int setenv(string name, string value, int overwrite);
}
