using System.Reflection;
using System.Text.Json;
using AcqSeg.Contracts;

namespace AcqSeg.Contracts.Tests;

/// <summary>
/// Pins every message's full name and properties. Contracts evolve only by adding optional (nullable) properties;
/// renaming, retyping or removing one breaks running services that still use the old shape, so this test fails.
/// </summary>
public class MessageShapeTests
{
    private static readonly Dictionary<string, string[]> Pinned = new()
    {
        ["AcqSeg.Contracts.FrameAcquired"] =
            ["FrameId:Guid", "Acquisition:String", "Path:String", "Sha256:String", "SizeBytes:Int64", "Model:String", "AcquiredAt:DateTimeOffset"],
        ["AcqSeg.Contracts.FrameSegmented"] =
            ["FrameId:Guid", "Acquisition:String", "Path:String", "Model:String", "ModelVersion:Int32", "ObjectCount:Int32",
             "MasksPath:String", "FlowsPath:String?", "OutlinesPath:String?", "ObjectsPath:String?", "Flagged:Boolean",
             "TotalSeconds:Double", "SegmentedAt:DateTimeOffset",
             // Added for the event stream (issue 23), optional: older senders leave them out.
             "MeanObjectArea:Double?", "Reasons:IReadOnlyList`1[String]?", "AcquiredAt:DateTimeOffset?", "FileWrittenAt:DateTimeOffset?"],
        ["AcqSeg.Contracts.FrameFlaggedForReview"] =
            ["FrameId:Guid", "Acquisition:String", "Model:String", "ModelVersion:Int32", "Reasons:IReadOnlyList`1[String]",
             "MasksPath:String", "FlaggedAt:DateTimeOffset"],
        ["AcqSeg.Contracts.FrameFailed"] =
            ["FrameId:Guid", "Acquisition:String", "Path:String", "Reason:String", "FailedAt:DateTimeOffset"],
        ["AcqSeg.Contracts.CorrectionSubmitted"] =
            ["CorrectionId:Guid", "FrameId:Guid", "Acquisition:String", "Model:String", "ModelVersion:Int32", "MasksPath:String",
             "Sha256:String", "SubmittedAt:DateTimeOffset"],
        ["AcqSeg.Contracts.ModelPublished"] =
            ["Model:String", "Version:Int32", "Path:String", "Sha256:String", "ParentVersion:Int32?", "ApBefore:Double?",
             "ApAfter:Double?", "PublishedAt:DateTimeOffset"],
        ["AcqSeg.Contracts.ModelAssigned"] =
            ["Acquisition:String", "Model:String", "Source:String", "AssignedAt:DateTimeOffset"],
        ["AcqSeg.Contracts.AssignModel"] =
            ["Acquisition:String", "Model:String"],
        // The editor's Re-segment (issue 22).
        ["AcqSeg.Contracts.ResegmentFrame"] =
            ["RequestId:Guid", "FrameId:Guid", "Sha256:String", "Model:String", "Diameter:Double?", "FlowThreshold:Double?",
             "CellprobThreshold:Double?", "RequestedBy:String", "RequestedAt:DateTimeOffset"],
        ["AcqSeg.Contracts.FrameResegmented"] =
            ["RequestId:Guid", "FrameId:Guid", "Model:String", "ModelVersion:Int32", "ObjectCount:Int32", "MasksPath:String", "Diameter:Double",
             "DiameterSource:String", "FlowThreshold:Double", "CellprobThreshold:Double", "Seconds:Double", "ResegmentedAt:DateTimeOffset"],
        ["AcqSeg.Contracts.FrameResegmentFailed"] =
            ["RequestId:Guid", "FrameId:Guid", "Reason:String", "FailedAt:DateTimeOffset"],
    };

    // Static classes hold constants (the values of a message's field), not messages.
    private static IEnumerable<Type> MessageTypes() =>
        typeof(FrameAcquired).Assembly.GetExportedTypes().Where(t => t.Namespace == "AcqSeg.Contracts" && !(t.IsAbstract && t.IsSealed));

    [Fact]
    public void AssignmentSources_ArePinned_SubscribersMatchOnThem()
    {
        var values = typeof(AssignmentSources).GetFields().Where(f => f.IsLiteral).ToDictionary(f => f.Name, f => (string)f.GetRawConstantValue()!);
        Assert.Equal(new Dictionary<string, string> { ["Operator"] = "operator", ["Config"] = "config", ["Suggestion"] = "suggestion" }, values);
    }

    public static TheoryData<string> PinnedNames() => new(Pinned.Keys);

    [Fact]
    public void EveryContractType_IsPinned()
    {
        var unpinned = MessageTypes().Select(t => t.FullName!).Where(n => !Pinned.ContainsKey(n)).ToList();
        Assert.True(unpinned.Count == 0, $"pin the shape of new messages here: {string.Join(", ", unpinned)}");
    }

    [Theory]
    [MemberData(nameof(PinnedNames))]
    public void PinnedMessage_KeepsNamespaceNameAndPropertyTypes(string fullName)
    {
        var type = typeof(FrameAcquired).Assembly.GetType(fullName);
        Assert.True(type is not null, $"{fullName} was renamed or moved: a message's full name is its identity on the bus");
        var actual = Describe(type!);
        foreach (string property in Pinned[fullName])
            Assert.Contains(property, actual);
    }

    [Theory]
    [MemberData(nameof(PinnedNames))]
    public void AddedProperties_AreOptional(string fullName)
    {
        var type = typeof(FrameAcquired).Assembly.GetType(fullName)!;
        var added = Describe(type).Where(p => !Pinned[fullName].Contains(p)).ToList();
        Assert.All(added, p => Assert.EndsWith("?", p));
    }

    [Theory]
    [MemberData(nameof(PinnedNames))]
    public void Message_IsPlainSealedRecordWithoutBaseClass(string fullName)
    {
        var type = typeof(FrameAcquired).Assembly.GetType(fullName)!;
        Assert.True(type.IsSealed);
        Assert.Equal(typeof(object), type.BaseType);
        Assert.NotNull(type.GetMethod("<Clone>$"));
    }

    [Fact]
    public void Messages_CarryNoPixelArrays()
    {
        var arrays = MessageTypes().SelectMany(t => t.GetProperties())
            .Where(p => p.PropertyType.IsArray || p.PropertyType == typeof(ReadOnlyMemory<byte>)).Select(p => p.Name).ToList();
        Assert.Empty(arrays);
    }

    [Fact]
    public void FrameFlaggedForReview_RoundTripsThroughJson()
    {
        var message = new FrameFlaggedForReview(Guid.NewGuid(), "acq-1", "cyto", 3, ["low_cellprob", "count_outlier"],
            "/out/acq-1/f_cp_masks.tif", DateTimeOffset.UnixEpoch);
        var back = JsonSerializer.Deserialize<FrameFlaggedForReview>(JsonSerializer.Serialize(message))!;
        Assert.Equal(message.FrameId, back.FrameId);
        Assert.Equal(message.Reasons, back.Reasons);
        Assert.Equal(message.ModelVersion, back.ModelVersion);
    }

    [Fact]
    public void FrameSegmented_FromAnOlderSender_WithoutTheAddedProperties_ReadsThemAsNull()
    {
        // The JSON an older segment worker sends: the original properties only.
        string older = JsonSerializer.Serialize(new
        {
            FrameId = Guid.NewGuid(), Acquisition = "acq-1", Path = "/data/acq-1/f.tif", Model = "cyto", ModelVersion = 2, ObjectCount = 7,
            MasksPath = "/out/acq-1/f_cp_masks.tif", FlowsPath = (string?)null, OutlinesPath = (string?)null, ObjectsPath = (string?)null,
            Flagged = true, TotalSeconds = 0.4, SegmentedAt = DateTimeOffset.UnixEpoch,
        });
        var back = JsonSerializer.Deserialize<FrameSegmented>(older)!;
        Assert.Equal(7, back.ObjectCount);
        Assert.True(back.Flagged);
        Assert.Null(back.MeanObjectArea);
        Assert.Null(back.Reasons);
        Assert.Null(back.AcquiredAt);
        Assert.Null(back.FileWrittenAt);
    }

    [Fact]
    public void FrameSegmented_WithTheAddedProperties_RoundTripsThroughJson()
    {
        var message = new FrameSegmented(Guid.NewGuid(), "acq-1", "/data/acq-1/f.tif", "cyto", 2, 7, "/out/acq-1/f_cp_masks.tif", null, null, null,
            true, 0.4, DateTimeOffset.UnixEpoch.AddSeconds(3), MeanObjectArea: 512.5, Reasons: ["count_outlier"],
            AcquiredAt: DateTimeOffset.UnixEpoch.AddSeconds(2), FileWrittenAt: DateTimeOffset.UnixEpoch.AddSeconds(1));
        var back = JsonSerializer.Deserialize<FrameSegmented>(JsonSerializer.Serialize(message))!;
        Assert.Equal(512.5, back.MeanObjectArea);
        Assert.Equal(["count_outlier"], back.Reasons);
        Assert.Equal(message.AcquiredAt, back.AcquiredAt);
        Assert.Equal(message.FileWrittenAt, back.FileWrittenAt);
    }

    private static List<string> Describe(Type type)
    {
        var nullability = new NullabilityInfoContext();
        return type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.Name != "EqualityContract")
            .Select(p => $"{p.Name}:{TypeName(p.PropertyType)}{(IsNullableReference(nullability, p) ? "?" : "")}")
            .ToList();
    }

    private static bool IsNullableReference(NullabilityInfoContext context, PropertyInfo p) =>
        !p.PropertyType.IsValueType && context.Create(p).ReadState == NullabilityState.Nullable;

    private static string TypeName(Type t)
    {
        if (Nullable.GetUnderlyingType(t) is { } inner) return TypeName(inner) + "?";
        if (!t.IsGenericType) return t.Name;
        return $"{t.Name}[{string.Join(",", t.GetGenericArguments().Select(TypeName))}]";
    }
}
