using System.Collections;
using TorchSharp;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace AcqSeg.Engine.Network;

/// <summary>
/// Reads and writes CPnet weights as PyTorch state dicts (<c>torch.save(net.state_dict(), path)</c>, zip format), so
/// files move freely between Cellpose and AcqSeg. Loading is non-strict like Cellpose's (missing keys keep their
/// values, unknown keys are ignored) but a key whose shape differs is an error: that file is another architecture.
/// </summary>
public static class CellposeWeights
{
    private const string FirstConvKey = "downsample.down.res_down_{0}.conv.conv_0.2.weight";

    /// <summary>Reads every tensor of a state-dict file (on the CPU). The caller disposes the tensors.</summary>
    public static Dictionary<string, Tensor> ReadStateDict(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!File.Exists(path))
            throw new ModelFileException(path, ModelFileErrorKind.Missing,
                "model file not found; check the path (Cellpose models are .pth files written by torch.save)");
        CheckZipSignature(path);

        Hashtable table;
        try
        {
            table = PyTorchUnpickler.UnpickleStateDict(path);
        }
        catch (Exception ex)
        {
            throw new ModelFileException(path, ModelFileErrorKind.Unreadable,
                $"not a readable PyTorch state dict ({ex.Message}); save the weights with torch.save(net.state_dict(), path)", ex);
        }

        var result = new Dictionary<string, Tensor>(table.Count, StringComparer.Ordinal);
        foreach (DictionaryEntry entry in table)
        {
            if (entry.Key is string key && entry.Value is Tensor t) result[key] = t;
            else (entry.Value as IDisposable)?.Dispose();
        }
        return result;
    }

    /// <summary>
    /// The widths [input channels, w1..w4] of the network stored in a state dict, read from the first convolution of
    /// each encoder level.
    /// </summary>
    public static int[] InferWidths(IReadOnlyDictionary<string, Tensor> stateDict, string path)
    {
        var widths = new int[5];
        for (int level = 0; level < 4; level++)
        {
            string key = string.Format(System.Globalization.CultureInfo.InvariantCulture, FirstConvKey, level);
            if (!stateDict.TryGetValue(key, out Tensor? w) || w.dim() != 4)
                throw new ModelFileException(path, ModelFileErrorKind.NotCellposeStateDict,
                    $"no 4-D '{key}' entry, so this is not a Cellpose CPnet state dict (residual, style on); use a model trained by Cellpose v2 or AcqSeg");
            if (level == 0) widths[0] = (int)w.shape[1];
            widths[level + 1] = (int)w.shape[0];
        }
        return widths;
    }

    /// <summary>Builds a network with the widths stored in the file and loads its weights (CPU, eval mode).</summary>
    public static CellposeNet LoadNetwork(string path)
    {
        var stateDict = ReadStateDict(path);
        try
        {
            var net = new CellposeNet(InferWidths(stateDict, path));
            try
            {
                Apply(net, stateDict, path);
                net.eval();
                return net;
            }
            catch
            {
                net.Dispose();
                throw;
            }
        }
        finally
        {
            foreach (var t in stateDict.Values) t.Dispose();
        }
    }

    /// <summary>Loads a file into an existing network; returns the network's keys the file did not have.</summary>
    public static IReadOnlyList<string> Load(CellposeNet net, string path)
    {
        ArgumentNullException.ThrowIfNull(net);
        var stateDict = ReadStateDict(path);
        try
        {
            return Apply(net, stateDict, path);
        }
        finally
        {
            foreach (var t in stateDict.Values) t.Dispose();
        }
    }

    /// <summary>Writes the network's state dict in PyTorch's zip format (loadable by torch.load and by Cellpose).</summary>
    public static void Save(CellposeNet net, string path)
    {
        ArgumentNullException.ThrowIfNull(net);
        ArgumentNullException.ThrowIfNull(path);
        string? dir = Path.GetDirectoryName(Path.GetFullPath(path));
        if (dir is not null && !Directory.Exists(dir))
            throw new ModelFileException(path, ModelFileErrorKind.Missing, $"folder {dir} does not exist; create it first");
        net.save_py(path);
    }

    private static List<string> Apply(CellposeNet net, Dictionary<string, Tensor> file, string path)
    {
        var target = net.state_dict();
        var mismatches = new List<string>();
        var matched = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var (key, current) in target)
        {
            if (!file.TryGetValue(key, out Tensor? loaded)) continue;
            if (!loaded.shape.SequenceEqual(current.shape))
                mismatches.Add($"{key} is [{string.Join(", ", loaded.shape)}] in the file, [{string.Join(", ", current.shape)}] in the network");
            else
                matched[key] = loaded;
        }
        if (mismatches.Count > 0)
            throw new ModelFileException(path, ModelFileErrorKind.ShapeMismatch,
                $"{mismatches.Count} weights have other shapes than this network (another architecture or width), e.g. {string.Join("; ", mismatches.Take(3))}; "
                + $"build the network with the file's widths [{string.Join(", ", SafeWidths(file, path))}] or load it with {nameof(CellposeWeights)}.{nameof(LoadNetwork)}");
        if (matched.Count == 0)
            throw new ModelFileException(path, ModelFileErrorKind.NotCellposeStateDict,
                "none of the file's keys belongs to a Cellpose CPnet; use a model trained by Cellpose v2 or AcqSeg");

        using (torch.no_grad())
        {
            foreach (var (key, loaded) in matched)
            {
                Tensor current = target[key];
                using Tensor converted = loaded.to(current.dtype, current.device);
                current.copy_(converted);
            }
        }
        return target.Keys.Where(k => !matched.ContainsKey(k)).ToList();
    }

    private static IEnumerable<string> SafeWidths(IReadOnlyDictionary<string, Tensor> file, string path)
    {
        try
        {
            return InferWidths(file, path).Select(w => w.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
        catch (ModelFileException)
        {
            return ["unknown"];
        }
    }

    private static void CheckZipSignature(string path)
    {
        Span<byte> head = stackalloc byte[4];
        int read;
        try
        {
            using var stream = File.OpenRead(path);
            read = stream.ReadAtLeast(head, 4, throwOnEndOfStream: false);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new ModelFileException(path, ModelFileErrorKind.Unreadable, $"cannot open the file ({ex.Message}); check its permissions", ex);
        }
        if (read == 4 && head[0] == 0x50 && head[1] == 0x4B && head[2] == 0x03 && head[3] == 0x04) return;
        string reason = read >= 2 && head[0] == 0x80
            ? "this is PyTorch's legacy (pre-1.6) format; re-save it in Python with torch.save(torch.load(path), path) from PyTorch 1.6 or later"
            : "not a PyTorch .pth file (zip written by torch.save); pass a Cellpose model file such as cellpose_residual_on_style_on_concatenation_off_*.pth or a file saved by AcqSeg";
        throw new ModelFileException(path, ModelFileErrorKind.NotPyTorchZip, reason);
    }
}
