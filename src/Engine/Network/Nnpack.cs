using System.Runtime.InteropServices;
using TorchSharp;

namespace AcqSeg.Engine.Network;

/// <summary>
/// Turns libtorch's NNPACK convolutions off, once per process, before the first network runs. libtorch's
/// <c>ConvParams::use_nnpack</c> asks <c>at::_nnpack_available()</c> on every float convolution (before it looks at the
/// batch size, which has to be 16 or more for NNPACK to run); on a CPU NNPACK has no kernels for, that first call logs
/// "Could not initialize NNPACK! Reason: Unsupported hardware." straight to the process's stderr, through the CLI's
/// progress bar and the demo's live line. The user switch (<c>torch.backends.nnpack.set_flags(False)</c> in Python) is
/// tested first, so with it off NNPACK is never initialised and nothing is printed. No AcqSeg workload gives NNPACK a
/// batch of 16 (inference runs batch 1, training 8), so nothing is slower. TorchSharp does not expose the switch:
/// <c>at::globalContext()</c> and <c>at::Context::setUserEnabledNNPACK(bool)</c> are called by their exported names in
/// libtorch_cpu (Itanium ABI: a member function takes <c>this</c> first).
/// </summary>
public static unsafe class Nnpack
{
    private static readonly Lock Gate = new();
    private static bool done;
    private static string? problem;
    private static delegate* unmanaged<IntPtr> globalContext;
    private static delegate* unmanaged<IntPtr, byte> userEnabled;

    /// <summary>Turns NNPACK off; null when it is off, otherwise why it could not be (the warning may then appear once).</summary>
    public static string? Disable()
    {
        lock (Gate)
        {
            if (done) return problem;
            done = true;
            problem = Resolve(out var setUserEnabled);
            if (problem is null) setUserEnabled(globalContext(), 0);
            return problem;
        }
    }

    /// <summary>libtorch's own answer (<c>userEnabledNNPACK()</c>); null when the switch cannot be reached.</summary>
    public static bool? IsEnabled()
    {
        lock (Gate)
        {
            if (Resolve(out _) is not null) return null;
            return userEnabled(globalContext()) != 0;
        }
    }

    private static string? Resolve(out delegate* unmanaged<IntPtr, byte, void> setUserEnabled)
    {
        setUserEnabled = null;
        if (!OperatingSystem.IsLinux()) return "libtorch_cpu is looked up on Linux only";
        _ = torch.get_num_threads(); // loads libtorch
        string? torchCpu = File.ReadLines("/proc/self/maps")
            .Select(line => line.Split(' ', 6, StringSplitOptions.RemoveEmptyEntries))
            .Where(parts => parts.Length == 6 && Path.GetFileName(parts[5].Trim()) == "libtorch_cpu.so")
            .Select(parts => parts[5].Trim())
            .FirstOrDefault();
        if (torchCpu is null || !NativeLibrary.TryLoad(torchCpu, out var lib)) return "libtorch_cpu.so is not loaded";
        if (!NativeLibrary.TryGetExport(lib, "_ZN2at13globalContextEv", out var context)
            || !NativeLibrary.TryGetExport(lib, "_ZN2at7Context20setUserEnabledNNPACKEb", out var set)
            || !NativeLibrary.TryGetExport(lib, "_ZNK2at7Context17userEnabledNNPACKEv", out var get))
            return $"{torchCpu} does not export at::globalContext and the NNPACK switch";
        globalContext = (delegate* unmanaged<IntPtr>)context;
        userEnabled = (delegate* unmanaged<IntPtr, byte>)get;
        setUserEnabled = (delegate* unmanaged<IntPtr, byte, void>)set;
        return null;
    }
}
