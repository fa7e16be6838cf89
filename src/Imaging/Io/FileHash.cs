using System.Security.Cryptography;

namespace AcqSeg.Imaging.Io;

public static class FileHash
{
    /// <summary>Lower-case hex SHA-256 of a file's bytes.</summary>
    public static async Task<string> Sha256Async(string path, CancellationToken cancel = default)
    {
        await using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1 << 16, useAsync: true);
        byte[] hash = await SHA256.HashDataAsync(stream, cancel);
        return Convert.ToHexStringLower(hash);
    }

    /// <summary>Writes through a temporary file and a rename, so readers never see half a file and a retried write
    /// just replaces the same content.</summary>
    public static void WriteAtomically(string path, Action<string> write)
    {
        string dir = Path.GetDirectoryName(Path.GetFullPath(path))!;
        Directory.CreateDirectory(dir);
        string temp = Path.Combine(dir, $".{Path.GetFileName(path)}.{Guid.NewGuid():N}.tmp");
        try
        {
            write(temp);
            File.Move(temp, path, overwrite: true);
        }
        finally
        {
            if (File.Exists(temp)) File.Delete(temp);
        }
    }
}
