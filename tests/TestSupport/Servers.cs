
namespace AcqSeg.TestSupport;

/// <summary>Where the servers ops/services.sh started listen (environment variables). A missing one skips the test
/// with the way to start it; in CI (CI=true) it fails.</summary>
public static class Servers
{
    public static string RabbitMq => Require("ACQSEG_RABBITMQ", "the RabbitMQ URL (amqp://user:pass@host:port/)");

    public static string Postgres => Require("ACQSEG_POSTGRES", "the PostgreSQL connection string (a user who may CREATEDB)");

    public static string PrometheusBinary => Require("ACQSEG_PROMETHEUS_BIN", "the Prometheus server binary (Debian package prometheus)");

    /// <summary>The broker as `acqseg run --bus` takes it.</summary>
    public static string RabbitMqBus => "rabbitmq://" + new Uri(RabbitMq).GetComponents(UriComponents.UserInfo | UriComponents.HostAndPort | UriComponents.Path, UriFormat.UriEscaped);

    private static string Require(string variable, string what)
    {
        string? value = Environment.GetEnvironmentVariable(variable);
        if (!string.IsNullOrWhiteSpace(value)) return value;
        string message = $"{variable} is not set ({what}); start the servers with `source ops/services.sh && acqseg_start_services`, or run `bash ops/test.sh`";
        if (SharedData.InCi) throw new InvalidOperationException("in CI every integration server is required: " + message);
        throw new Xunit.SkipException(message);
    }
}
