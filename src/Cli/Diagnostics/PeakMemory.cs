using System.Diagnostics;
using System.Globalization;

namespace AcqSeg.Cli.Diagnostics;

/// <summary>
/// Peak resident memory of this process. On Linux the peak (VmHWM) can be reset by writing 5 to /proc/self/clear_refs,
/// so each benchmark row reports its own peak; elsewhere the process-lifetime peak is reported.
/// </summary>
public static class PeakMemory
{
    public static void Reset()
    {
        try
        {
            if (File.Exists("/proc/self/clear_refs")) File.WriteAllText("/proc/self/clear_refs", "5");
        }
        catch (IOException)
        {
            // Not permitted in some containers: the lifetime peak is reported instead.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    public static double GiB()
    {
        if (File.Exists("/proc/self/status"))
        {
            foreach (string line in File.ReadLines("/proc/self/status"))
            {
                if (!line.StartsWith("VmHWM:", StringComparison.Ordinal)) continue;
                var parts = line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries); // "VmHWM:\t  123456 kB"
                return double.Parse(parts[1], CultureInfo.InvariantCulture) / (1024.0 * 1024);
            }
        }
        return Process.GetCurrentProcess().PeakWorkingSet64 / (1024.0 * 1024 * 1024);
    }
}
