using TorchSharp;

namespace AcqSeg.Engine.Inference;

/// <summary>Where the network runs: "auto" (CUDA when available, else CPU), "cpu", "cuda" or "cuda:N".</summary>
public sealed record DeviceChoice
{
    private DeviceChoice(string spec) => Spec = spec;

    public string Spec { get; }

    public static DeviceChoice Auto { get; } = new("auto");
    public static DeviceChoice Cpu { get; } = new("cpu");
    public static DeviceChoice Cuda(int index = 0) => new(index == 0 ? "cuda" : $"cuda:{index}");

    /// <summary>Parses "auto", "cpu", "cuda" or "cuda:N" (case-insensitive).</summary>
    public static DeviceChoice Parse(string spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        string s = spec.Trim().ToLowerInvariant();
        if (s is "auto" or "cpu" or "cuda") return new DeviceChoice(s);
        if (s.StartsWith("cuda:", StringComparison.Ordinal) && int.TryParse(s.AsSpan(5), out int index) && index >= 0)
            return new DeviceChoice(s);
        throw new ArgumentException($"device '{spec}' is not one of auto, cpu, cuda, cuda:N", nameof(spec));
    }

    /// <summary>The torch device; throws <see cref="DeviceUnavailableException"/> when CUDA is asked for but absent.</summary>
    public torch.Device Resolve()
    {
        if (Spec == "cpu") return torch.CPU;
        bool cuda = torch.cuda.is_available();
        if (Spec == "auto") return cuda ? torch.CUDA : torch.CPU;
        if (!cuda)
            throw new DeviceUnavailableException(Spec,
                $"device '{Spec}' was requested but CUDA is not available (CPU-only TorchSharp build or no GPU/driver); use 'cpu' or 'auto', or build with -p:TorchBackend=cuda on a GPU host");
        int index = Spec == "cuda" ? 0 : int.Parse(Spec.AsSpan(5), System.Globalization.CultureInfo.InvariantCulture);
        int count = torch.cuda.device_count();
        if (index >= count)
            throw new DeviceUnavailableException(Spec, $"device '{Spec}' was requested but only {count} CUDA device(s) exist; use cuda:0..cuda:{count - 1}");
        return new torch.Device(DeviceType.CUDA, index);
    }

    public override string ToString() => Spec;
}

/// <summary>The requested compute device does not exist on this machine.</summary>
public sealed class DeviceUnavailableException(string device, string message) : Exception(message)
{
    public string Device { get; } = device;
}
