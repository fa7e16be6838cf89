using AcqSeg.Imaging.Io;

namespace AcqSeg.Models.Sizing;

/// <summary>
/// Reads Cellpose's size models (<c>np.save(path, {'A', 'smean', 'diam_mean', 'ymean'})</c>): a .npy file holding a
/// 0-d object array whose single element is that dict, pickled. Only the pickle opcodes and numpy reconstructors such a
/// file uses are understood (ndarray, dtype, scalar), so nothing in the file is ever executed.
/// </summary>
public static class CellposeSizeFile
{
    public static bool LooksLikeNpy(string path) => NpyObjectFile.LooksLikeNpy(path);

    public static SizeModel Read(string path)
    {
        byte[] bytes = File.ReadAllBytes(path);
        try
        {
            return Parse(bytes);
        }
        catch (Exception ex) when (ex is FormatException or InvalidCastException or IndexOutOfRangeException or ArgumentException or InvalidOperationException)
        {
            throw new WeightsCompanionFileException(path,
                $"not a Cellpose size model ({ex.Message.Split(" (Parameter")[0]}); expected np.save of a dict with A, smean, diam_mean and ymean (Cellpose's *_size.npy)", ex);
        }
    }

    /// <summary>
    /// Writes Cellpose's layout (what its SizeModel.train saves and np.load(path, allow_pickle=True).item() reads): a
    /// .npy v1.0 0-d object array holding {'A', 'smean', 'diam_mean', 'ymean'}, float32 arrays and scalars.
    /// </summary>
    public static void Write(string path, SizeModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        NpyObjectFile.Write(path, new Dictionary<string, object?>
        {
            ["A"] = NpyArray.Float32(model.A, model.A.Length),
            ["smean"] = NpyArray.Float32(model.StyleMean, model.StyleMean.Length),
            ["diam_mean"] = NpyArray.Float32Scalar((float)model.DiamMean),
            ["ymean"] = NpyArray.Float32Scalar((float)model.YMean),
        });
    }

    public static SizeModel Parse(byte[] bytes)
    {
        if (NpyObjectFile.Read(bytes) is not Dictionary<object, object?> dict)
            throw new FormatException("the array does not hold a dict");
        float[] a = Floats(dict, "A");
        float[] smean = Floats(dict, "smean");
        double diamMean = Scalar(dict, "diam_mean");
        double ymean = Scalar(dict, "ymean");
        return new SizeModel(a, smean, diamMean, ymean);
    }

    private static object? Get(Dictionary<object, object?> dict, string key) =>
        dict.TryGetValue(key, out object? v) ? v : throw new FormatException($"the dict has no '{key}'");

    private static float[] Floats(Dictionary<object, object?> dict, string key) =>
        Get(dict, key) is NpyArray arr ? arr.ToDoubles().Select(v => (float)v).ToArray() : throw new FormatException($"'{key}' is not a numeric numpy array");

    private static double Scalar(Dictionary<object, object?> dict, string key) => Get(dict, key) switch
    {
        double d => d,
        long l => l,
        NpyArray { Count: 1 } one => one.ToDoubles()[0],
        _ => throw new FormatException($"'{key}' is not a number"),
    };
}
