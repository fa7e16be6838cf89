namespace AcqSeg.Engine.Network;

/// <summary>Why a model file could not be used.</summary>
public enum ModelFileErrorKind
{
    Missing,
    NotPyTorchZip,
    Unreadable,
    NotCellposeStateDict,
    ShapeMismatch,
}

/// <summary>A model file could not be loaded or saved; the message names the file, the reason and the fix.</summary>
public sealed class ModelFileException : Exception
{
    public ModelFileException(string path, ModelFileErrorKind kind, string reason, Exception? inner = null)
        : base($"{path}: {reason}", inner)
    {
        Path = path;
        Kind = kind;
        Reason = reason;
    }

    public string Path { get; }
    public ModelFileErrorKind Kind { get; }
    public string Reason { get; }
}
