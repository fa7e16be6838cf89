using TorchSharp;

namespace AcqSeg.Engine.Network;

/// <summary>
/// Scalars that live as long as the process, for the tensor arithmetic of forward passes. TorchSharp 0.107 turns a
/// number into a temporary Scalar for calls such as <c>a + b</c> (alpha 1) or <c>x.pow(2)</c> and passes on only its
/// native handle, so the GC may finalise the temporary while the native call still reads it: an evaluation of nuclei
/// died that way in ResidualDown ("Expected false to be true" from c10::Scalar::toFloat). Held Scalars cannot be.
/// </summary>
internal static class HeldScalars
{
    public static readonly Scalar One = 1.0.ToScalar();
    public static readonly Scalar Two = 2.0.ToScalar();
    public static readonly Scalar Half = 0.5.ToScalar();
}
