using System.Runtime.InteropServices;
using AcqSeg.Engine.Inference;

namespace AcqSeg.Cli.Diagnostics;

/// <summary>One line naming the machine a benchmark ran on (CPU model and bf16 support, cores, memory, OS, runtime).</summary>
public static class MachineInfo
{
    public static string Describe()
    {
        string cpu = "unknown CPU";
        if (File.Exists("/proc/cpuinfo"))
        {
            string? model = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal));
            if (model is not null) cpu = model[(model.IndexOf(':') + 1)..].Trim();
        }
        string bf16 = NetworkPrecisionExtensions.CpuHasNativeBf16 ? ", native bf16 (AVX512-BF16/AMX)" : ", no native bf16";
        double memGiB = GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / (1024.0 * 1024 * 1024);
        return $"{cpu}{bf16}, {Environment.ProcessorCount} logical CPUs, {memGiB:0} GiB, {RuntimeInformation.OSDescription}, .NET {Environment.Version}";
    }

    /// <summary>The 1-minute load average (/proc/loadavg), or all three; "unknown" where there is none.</summary>
    public static string LoadAverage(bool all = false) =>
        File.Exists("/proc/loadavg") ? string.Join(" ", File.ReadAllText("/proc/loadavg").Split(' ').Take(all ? 3 : 1)) : "unknown";
}
