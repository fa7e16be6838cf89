using System.ComponentModel.DataAnnotations;

namespace AcqSeg.ServiceDefaults;

/// <summary>Which transport carries the messages: in-process (one-process runs, tests) or RabbitMQ.</summary>
public sealed class BusOptions : IValidatableObject
{
    public const string SectionName = "Bus";

    /// <summary>"memory" or "rabbitmq".</summary>
    public string Transport { get; set; } = "memory";

    public RabbitMqOptions RabbitMq { get; set; } = new();

    public bool IsRabbitMq => string.Equals(Transport, "rabbitmq", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// On a stop (SIGTERM, Ctrl+C), how long consumers may go on before their ConsumeContext's token is cancelled: a
    /// frame in a network pass is then given up at the next pass and stays Acquired, to be segmented again after the
    /// restart. Without it a stop waited for every frame in flight (a batch of frames on a busy CPU took past the 10 s a
    /// service manager grants).
    /// </summary>
    [Range(0, MaxConsumerStopSeconds, ErrorMessage = "Bus:ConsumerStopSeconds must be 0-30")]
    public double ConsumerStopSeconds { get; set; } = DefaultConsumerStopSeconds;

    public const double DefaultConsumerStopSeconds = 1, MaxConsumerStopSeconds = 30;

    /// <summary>The consumers' stop timeout of <paramref name="configured"/>, read before validation: a value out of range
    /// counts as the default here and is reported by the start-up validation.</summary>
    public static TimeSpan ConsumerStopTimeout(BusOptions configured) =>
        TimeSpan.FromSeconds(configured.ConsumerStopSeconds is >= 0 and <= MaxConsumerStopSeconds ? configured.ConsumerStopSeconds : DefaultConsumerStopSeconds);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!IsRabbitMq && !string.Equals(Transport, "memory", StringComparison.OrdinalIgnoreCase))
            yield return new ValidationResult($"Bus:Transport '{Transport}' is unknown; use 'memory' or 'rabbitmq'", [nameof(Transport)]);
        if (IsRabbitMq && string.IsNullOrWhiteSpace(RabbitMq.Host))
            yield return new ValidationResult("Bus:RabbitMq:Host is required when Bus:Transport is 'rabbitmq'", [nameof(RabbitMq)]);
        if (RabbitMq.Port is < 1 or > 65535)
            yield return new ValidationResult($"Bus:RabbitMq:Port {RabbitMq.Port} must be 1-65535", [nameof(RabbitMq)]);
    }

    /// <summary>Reads "memory" or "rabbitmq://user:pass@host:port/vhost" (the `acqseg run --bus` form).</summary>
    public static BusOptions Parse(string value)
    {
        if (string.Equals(value, "memory", StringComparison.OrdinalIgnoreCase)) return new BusOptions();
        if (!value.StartsWith("rabbitmq://", StringComparison.OrdinalIgnoreCase) || !Uri.TryCreate(value, UriKind.Absolute, out var uri))
            throw new FormatException($"bus '{value}': use 'memory' or 'rabbitmq://user:pass@host:port/vhost'");
        var user = uri.UserInfo.Split(':', 2);
        string vhost = Uri.UnescapeDataString(uri.AbsolutePath.TrimStart('/'));
        return new BusOptions
        {
            Transport = "rabbitmq",
            RabbitMq = new RabbitMqOptions
            {
                Host = uri.Host,
                Port = uri.Port > 0 ? uri.Port : 5672,
                VirtualHost = vhost.Length == 0 ? "/" : vhost,
                Username = user.Length > 0 && user[0].Length > 0 ? Uri.UnescapeDataString(user[0]) : "guest",
                Password = user.Length > 1 ? Uri.UnescapeDataString(user[1]) : "guest",
            },
        };
    }
}

public sealed class RabbitMqOptions
{
    public string Host { get; set; } = "localhost";
    public int Port { get; set; } = 5672;
    public string VirtualHost { get; set; } = "/";
    public string Username { get; set; } = "guest";
    public string Password { get; set; } = "guest";
}
