using System.ComponentModel.DataAnnotations;
using System.Net;

namespace AcqSeg.ServiceDefaults;

/// <summary>
/// Who may read /metrics. Counters name acquisitions and models, so by default only this machine may (a Prometheus
/// next to the service); a scraper elsewhere is let in by network, or the endpoint is opened or closed outright.
/// </summary>
public sealed class MetricsOptions : IValidatableObject
{
    public const string SectionName = "Metrics";
    public const string Loopback = "loopback";
    public const string Open = "open";
    public const string Closed = "closed";

    /// <summary>"loopback" (127.0.0.1 and ::1, plus <see cref="AllowedNetworks"/>), "open" (anyone) or "closed" (nobody).</summary>
    public string Access { get; set; } = Loopback;

    /// <summary>CIDR ranges also allowed when Access is "loopback", e.g. "172.16.0.0/12" for a scraper in a Docker network.</summary>
    public List<string> AllowedNetworks { get; set; } = [];

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!IsAccess(Loopback) && !IsAccess(Open) && !IsAccess(Closed))
            yield return new ValidationResult($"Metrics:Access '{Access}' is unknown; use '{Loopback}', '{Open}' or '{Closed}'", [nameof(Access)]);
        foreach (string network in AllowedNetworks)
        {
            if (!IPNetwork.TryParse(network, out _))
                yield return new ValidationResult(
                    $"Metrics:AllowedNetworks entry '{network}' is not a CIDR range; write it as address/prefix, e.g. 172.16.0.0/12 or fd00::/8",
                    [nameof(AllowedNetworks)]);
        }
    }

    /// <summary>Null when <paramref name="client"/> may read the metrics, else why not (the 403's message).</summary>
    public string? Refusal(IPAddress? client)
    {
        if (IsAccess(Open)) return null;
        if (IsAccess(Closed)) return "/metrics is closed here (Metrics:Access is 'closed')";
        var address = client is { IsIPv4MappedToIPv6: true } ? client.MapToIPv4() : client;
        if (address is not null && (IPAddress.IsLoopback(address) || AllowedNetworks.Exists(n => IPNetwork.Parse(n).Contains(address)))) return null;
        return $"/metrics answers this machine only; {address?.ToString() ?? "an unknown client"} is not loopback or in Metrics:AllowedNetworks " +
               "(add the scraper's network there, or set Metrics:Access to 'open')";
    }

    private bool IsAccess(string value) => string.Equals(Access, value, StringComparison.OrdinalIgnoreCase);
}
