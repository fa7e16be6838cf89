using System.ComponentModel.DataAnnotations;

namespace AcqSeg.ReviewHost;

public sealed class ReviewOptions
{
    public const string SectionName = "Review";

    /// <summary>Corrected label TIFFs are stored here (CorrectionsRoot/&lt;frame id&gt;/&lt;sha256&gt;.tif).</summary>
    [Required(ErrorMessage = "Review:CorrectionsRoot is required: the folder corrected masks are stored in")]
    public string CorrectionsRoot { get; set; } = "";

    /// <summary>
    /// Where queue thumbnails are kept once made (one PNG per frame, size and masks file); empty means
    /// CorrectionsRoot/thumbnails.
    /// </summary>
    public string ThumbnailCache { get; set; } = "";

    public string ThumbnailFolder => Path.GetFullPath(string.IsNullOrWhiteSpace(ThumbnailCache)
        ? Path.Combine(CorrectionsRoot, "thumbnails")
        : ThumbnailCache);

    /// <summary>Largest accepted upload (label TIFF or polygons JSON).</summary>
    [Range(1024, 1L << 31)]
    public long MaxUploadBytes { get; set; } = 64L << 20;

    /// <summary>How long a curator's claim on a frame lasts; the editor renews it while open.</summary>
    [Range(1, 24 * 60)]
    public int ClaimMinutes { get; set; } = 15;

    /// <summary>Failed sign-ins for one name within <see cref="LoginFailureWindowSeconds"/> that lock it out.</summary>
    [Range(1, 1000, ErrorMessage = "Review:LoginLockoutFailures must be 1-1000: the failed sign-ins that lock an account out")]
    public int LoginLockoutFailures { get; set; } = 5;

    /// <summary>Failures older than this no longer count towards a lockout.</summary>
    [Range(1, 24 * 3600, ErrorMessage = "Review:LoginFailureWindowSeconds must be 1-86400: how long a failed sign-in counts towards a lockout")]
    public int LoginFailureWindowSeconds { get; set; } = 15 * 60;

    /// <summary>How long a locked-out name is refused (429 with Retry-After), even with the right password.</summary>
    [Range(1, 24 * 3600, ErrorMessage = "Review:LoginLockoutSeconds must be 1-86400: how long sign-in is refused after a lockout")]
    public int LoginLockoutSeconds { get; set; } = 5 * 60;

    /// <summary>How long a re-segmentation may wait for a segment worker before the editor says none has taken it, and a new
    /// request for the frame replaces it.</summary>
    [Range(5, 3600, ErrorMessage = "Review:ResegmentWaitSeconds must be 5-3600: how long a re-segmentation waits for a segment worker before it is reported")]
    public int ResegmentWaitSeconds { get; set; } = 120;
}
