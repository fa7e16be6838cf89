using System.Runtime.InteropServices;

namespace AcqSeg.Cli.Diagnostics;

/// <summary>One line naming the machine a benchmark ran on (CPU model and bf16 support, cores, memory, OS, runtime).</summary>
public static class MachineInfo
{
    public static string Describe()
    {
        string cpu = "unknown CPU";
        string bf16 = "";
        if (File.Exists("/proc/cpuinfo"))
        {
            foreach (string line in File.ReadLines("/proc/cpuinfo"))
            {
                if (line.StartsWith("model name", StringComparison.Ordinal) && cpu == "unknown CPU") cpu = line[(line.IndexOf(':') + 1)..].Trim();
                if (line.StartsWith("flags", StringComparison.Ordinal) && bf16.Length == 0)
                    bf16 = line.Contains(" avx512_bf16", StringComparison.Ordinal) ? ", AVX512-BF16" : ", no AVX512-BF16";
            }
        }
        double memGiB = GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / (1024.0 * 1024 * 1024);
        return $"{cpu}{bf16}, {Environment.ProcessorCount} logical CPUs, {memGiB:0} GiB, {RuntimeInformation.OSDescription}, .NET {Environment.Version}";
    }
}
