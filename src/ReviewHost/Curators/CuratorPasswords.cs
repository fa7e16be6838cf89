using System.Security.Cryptography;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Identity;

namespace AcqSeg.ReviewHost.Curators;

/// <summary>The account type the password hasher is keyed on (its hashes do not depend on the user object).</summary>
public sealed record CuratorAccount(string Name);

/// <summary>Curator names, password hashing (ASP.NET Core Identity's PBKDF2 hasher) and API tokens.</summary>
public static partial class CuratorPasswords
{
    public const int MinPasswordLength = 8;
    private static readonly PasswordHasher<CuratorAccount> Hasher = new();

    /// <summary>Null when the name is usable, else why not.</summary>
    public static string? CheckName(string name) =>
        NamePattern().IsMatch(name) ? null : $"curator name '{name}' must be 1-64 letters, digits, '.', '_' or '-'";

    /// <summary>Null when the password is usable, else why not.</summary>
    public static string? CheckPassword(string password) =>
        password.Length >= MinPasswordLength ? null : $"the password must have at least {MinPasswordLength} characters";

    public static string Hash(string name, string password) => Hasher.HashPassword(new CuratorAccount(name), password);

    /// <summary>Verifies a password; <paramref name="rehash"/> is a new hash when the stored one uses outdated settings.</summary>
    public static bool Verify(string name, string storedHash, string password, out string? rehash)
    {
        rehash = null;
        var result = Hasher.VerifyHashedPassword(new CuratorAccount(name), storedHash, password);
        if (result == PasswordVerificationResult.SuccessRehashNeeded) rehash = Hash(name, password);
        return result != PasswordVerificationResult.Failed;
    }

    private static readonly Lazy<string> NobodysHash = new(() => Hash("", Convert.ToBase64String(RandomNumberGenerator.GetBytes(16))));

    /// <summary>Spends the time a real check takes, for a name that does not exist; always false.</summary>
    public static bool VerifyNobody(string password)
    {
        Hasher.VerifyHashedPassword(new CuratorAccount(""), NobodysHash.Value, password);
        return false;
    }

    /// <summary>A new API token (shown once) and the SHA-256 the database keeps.</summary>
    public static (string Token, string Sha256) NewToken()
    {
        string token = "acqseg_" + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        return (token, TokenSha256(token));
    }

    public static string TokenSha256(string token) => Convert.ToHexStringLower(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(token)));

    [GeneratedRegex("^[A-Za-z0-9._-]{1,64}$")]
    private static partial Regex NamePattern();
}
