using System.Diagnostics.Metrics;
using System.Net;
using AcqSeg.Hosts.Tests.ReviewHost;

namespace AcqSeg.Hosts.Tests.ServiceDefaults;

/// <summary>/metrics leaves out .NET's internal-diagnostics meters (msquic's series) and keeps every other meter.</summary>
public class MeterExportTests
{
    [Fact]
    public async Task Metrics_LeaveOutInternalDiagnosticsMeters_KeepOthers()
    {
        await using var host = await ReviewHostFixture.StartAsync();
        using var internalMeter = new Meter("Private.InternalDiagnostics.AcqSeg.MeterExportTests");
        using var ownMeter = new Meter("AcqSeg.MeterExportTests");
        var internalProbe = internalMeter.CreateCounter<long>("meterexport_internal_probe");
        var keptProbe = ownMeter.CreateCounter<long>("meterexport_kept_probe");

        using var c = host.Anonymous();
        HttpResponseMessage r;
        string body;
        // The adapter takes up a new meter's instruments a moment after they appear.
        var until = DateTime.UtcNow.AddSeconds(20);
        do
        {
            internalProbe.Add(3);
            keptProbe.Add(3);
            r = await c.GetAsync("/metrics");
            body = await r.Content.ReadAsStringAsync();
            if (body.Contains("meterexport_kept_probe")) break;
            await Task.Delay(250);
        } while (DateTime.UtcNow < until);

        Assert.Equal(HttpStatusCode.OK, r.StatusCode);
        Assert.Contains("meterexport_kept_probe", body);
        Assert.DoesNotContain("meterexport_internal_probe", body);
        Assert.DoesNotContain("private_internaldiagnostics", body);
    }
}
