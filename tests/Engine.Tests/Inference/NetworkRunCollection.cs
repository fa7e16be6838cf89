namespace AcqSeg.Engine.Tests.Inference;

/// <summary>Tests that run the full network share this collection so xunit runs them sequentially.</summary>
[CollectionDefinition(Name)]
public sealed class NetworkRunCollection
{
    public const string Name = "Cellpose network runs";
}
