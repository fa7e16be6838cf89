using System.Security.Cryptography;
using System.Text;
using AcqSeg.Contracts;
using AcqSeg.Imaging.Io;
using AcqSeg.Models.Assignment;
using AcqSeg.Persistence;
using AcqSeg.ServiceDefaults;
using MassTransit;
using Microsoft.Extensions.Logging;

namespace AcqSeg.Watcher;

/// <summary>Turns a complete file into a frame: hash, identity, model, row (state Acquired), then FrameAcquired.
/// The model is the acquisition's fixed one (operator, rule, or chosen for an earlier frame); an acquisition without
/// one is published unassigned (Model ""), and the segment worker chooses by the frame's style.</summary>
public sealed partial class FrameRegistrar(FrameStore frames, ModelAssignments assignments, IBus bus, ILogger<FrameRegistrar> logger)
{
    /// <summary>Stable id of a frame: the same path with the same content is the same frame.</summary>
    public static Guid FrameIdOf(string fullPath, string sha256)
    {
        byte[] hash = SHA256.HashData(Encoding.UTF8.GetBytes($"{fullPath}\n{sha256}"));
        return new Guid(hash.AsSpan(0, 16));
    }

    /// <summary>
    /// Returns true when the frame was published: a new file, a known frame still Acquired (stored but maybe never
    /// published), or a frame whose file changed while it waited or after it failed (the same frame with the new
    /// content, so a file written slowly ends as one frame with one terminal state). False for content already known.
    /// </summary>
    public async Task<bool> RegisterAsync(string acquisition, string fullPath, CancellationToken cancel)
    {
        string sha = await FileHash.Sha256Async(fullPath, cancel);
        long size = new FileInfo(fullPath).Length;
        var known = await frames.ListByPathAsync(fullPath, cancel);
        var now = DateTimeOffset.UtcNow;
        Guid id;
        string model;
        if (known.FirstOrDefault(f => f.Sha256 == sha) is { } same)
        {
            // A row still in Acquired was stored but maybe never published (crash between the two): publish again;
            // the worker's state check makes a second delivery harmless.
            if (same.State != FrameStates.Acquired)
            {
                LogDuplicate(fullPath, same.FrameId);
                return false;
            }
            (id, model) = (same.FrameId, same.Model);
        }
        else if (known.LastOrDefault(f => f.State is FrameStates.Failed or FrameStates.Acquired) is { } earlier
            && await frames.TryReacquireAsync(earlier.FrameId, sha, size, model = (await assignments.FixedAsync(acquisition, cancel))?.Model ?? "", cancel))
        {
            // The same file, changed before its frame was done (still waiting, or failed while being written): the same
            // frame with the new content; a worker busy with the old content cannot record it.
            id = earlier.FrameId;
            LogRetried(id, fullPath, earlier.State == FrameStates.Failed ? $"it failed: {earlier.Reason}" : "it was waiting to be segmented");
        }
        else
        {
            id = FrameIdOf(fullPath, sha);
            var choice = await assignments.FixedAsync(acquisition, cancel);
            model = choice?.Model ?? "";
            bool added = await frames.TryAddAcquiredAsync(new FrameRow
            {
                Id = id.ToString(),
                Acquisition = acquisition,
                Path = fullPath,
                Sha256 = sha,
                SizeBytes = size,
                Model = model,
                AcquiredAt = Database.Timestamp(now),
            }, cancel);
            if (!added && await frames.GetAsync(id, cancel) is not { State: FrameStates.Acquired })
            {
                LogDuplicate(fullPath, id);
                return false;
            }
            AcqSegMetrics.FramesAcquired.WithLabels(acquisition, model.Length == 0 ? "unassigned" : model).Inc();
            if (choice is null) LogAcquiredUnassigned(id, acquisition, fullPath);
            else LogAcquired(id, acquisition, fullPath, model, choice.Source);
        }
        // Mandatory: a broker with no segment queue bound yet returns the message (MessageNotRoutedException) instead of
        // dropping it; the row stays Acquired and the watcher publishes it again.
        await bus.PublishRoutedAsync(new FrameAcquired(id, acquisition, fullPath, sha, size, model, now), cancel);
        await frames.MarkPublishedAsync(id, DateTimeOffset.UtcNow, cancel);
        return true;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Frame {FrameId}: its file {Path} has changed before the frame was done ({Before}); segmenting the new content as the same frame")]
    private partial void LogRetried(Guid frameId, string path, string before);

    [LoggerMessage(Level = LogLevel.Information, Message = "Frame {FrameId} acquired in {Acquisition}: {Path} (model {Model} by {AssignmentSource})")]
    private partial void LogAcquired(Guid frameId, string acquisition, string path, string model, string assignmentSource);

    [LoggerMessage(Level = LogLevel.Information, Message = "Frame {FrameId} acquired in {Acquisition}: {Path} (no model yet: the segment worker chooses one by its style)")]
    private partial void LogAcquiredUnassigned(Guid frameId, string acquisition, string path);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Skipping {Path}: frame {FrameId} is known already")]
    private partial void LogDuplicate(string path, Guid frameId);
}
