using System.ComponentModel.DataAnnotations;

namespace AcqSeg.ReviewHost;

public sealed class ReviewOptions
{
    public const string SectionName = "Review";

    /// <summary>Corrected label TIFFs are stored here (CorrectionsRoot/&lt;frame id&gt;/&lt;sha256&gt;.tif).</summary>
    [Required(ErrorMessage = "Review:CorrectionsRoot is required: the folder corrected masks are stored in")]
    public string CorrectionsRoot { get; set; } = "";

    /// <summary>Largest accepted upload (label TIFF or polygons JSON).</summary>
    [Range(1024, 1L << 31)]
    public long MaxUploadBytes { get; set; } = 64L << 20;

    /// <summary>How long a curator's claim on a frame lasts; the editor renews it while open.</summary>
    [Range(1, 24 * 60)]
    public int ClaimMinutes { get; set; } = 15;
}
