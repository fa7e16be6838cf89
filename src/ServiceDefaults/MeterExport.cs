using System.Diagnostics.Metrics;
using Prometheus;

namespace AcqSeg.ServiceDefaults;

/// <summary>
/// Which .NET meters /metrics exports. prometheus-net publishes every meter in the process; .NET's own
/// "Private.InternalDiagnostics.*" meters (msquic's connection and datapath counters, loaded with Kestrel) are
/// runtime internals, about 30 series of zeros that only crowd the dashboards, so they are left out.
/// </summary>
public static class MeterExport
{
    private const string InternalPrefix = "Private.InternalDiagnostics.";
    private static int _configured;

    public static bool Publishes(Instrument instrument) =>
        !instrument.Meter.Name.StartsWith(InternalPrefix, StringComparison.Ordinal);

    /// <summary>Installs the filter on prometheus-net's process-wide meter adapter (once per process).</summary>
    public static void Configure()
    {
        if (Interlocked.Exchange(ref _configured, 1) == 1) return;
        Metrics.ConfigureMeterAdapter(o => o.InstrumentFilterPredicate = Publishes);
    }
}
