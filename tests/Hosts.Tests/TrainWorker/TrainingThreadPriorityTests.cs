using AcqSeg.TrainWorker;

namespace AcqSeg.Hosts.Tests.TrainWorker;

/// <summary>
/// A training run lowers its own thread's priority (TrainWorker:Nice), which cannot be raised back without privileges.
/// Once the run is over, no thread of the process may keep that priority: a thread-pool thread at nice 10 would segment
/// the next frames at a tenth of a core's share whenever something else loads the machine.
/// </summary>
[Collection("torch")] // training threads of other tests run at nice 10 too: not beside them
public sealed class TrainingThreadPriorityTests
{
    [SkippableFact]
    public async Task AfterARun_NoThreadOfTheProcessKeepsItsLoweredPriority_NotEvenPoolThreadsStartedMeanwhile()
    {
        Skip.IfNot(OperatingSystem.IsLinux(), "per-thread nice values are Linux's");
        var before = ThreadNices().ToDictionary(t => t.Tid);
        await TrainingThread.RunAsync(1, 10, _ =>
        {
            // More blocking work than the pool has threads, queued from the training thread: the pool adds threads meanwhile.
            var tasks = Enumerable.Range(0, 32).Select(_ => Task.Run(() => Thread.Sleep(300))).ToArray();
            Task.WaitAll(tasks);
            return 0;
        });

        // The run's own thread ends just after its result is set: wait for it, not for anything else.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        List<(int Tid, string Name, int Nice)> lowered;
        while ((lowered = ThreadNices().Where(t => t.Nice >= 10 && !IsTieringWorker(t.Name)).ToList()).Count > 0 && DateTime.UtcNow < deadline)
            await Task.Delay(100);
        Assert.True(lowered.Count == 0, "threads still at nice >= 10 after the run: "
            + string.Join(", ", lowered.Select(t => $"{t.Tid} '{t.Name}' (nice before the run: {(before.TryGetValue(t.Tid, out var b) ? b.Nice.ToString() : "not yet started")})")));
    }

    /// <summary>
    /// The runtime's tiered-compilation worker (".NET Tiered Compilation Worker", cut to 15 characters by the kernel). The
    /// runtime starts it from whichever thread's code first needs recompiling and it ends once idle, so one started from
    /// the training thread runs at the training's nice until then. Seen in the suite, where other tests keep it busy;
    /// neither AcqSeg nor an unprivileged process can raise it back (DEVELOPERS.md, "Training beside live segmentation").
    /// </summary>
    private static bool IsTieringWorker(string name) => name.StartsWith(".NET Tiered Com", StringComparison.Ordinal);

    /// <summary>Every thread of this process with its nice value, from /proc/self/task/TID/stat.</summary>
    private static IEnumerable<(int Tid, string Name, int Nice)> ThreadNices()
    {
        foreach (var dir in Directory.GetDirectories("/proc/self/task"))
        {
            string stat;
            try { stat = File.ReadAllText(Path.Combine(dir, "stat")); }
            catch (IOException) { continue; } // the thread ended meanwhile
            int close = stat.LastIndexOf(')');
            string name = stat[(stat.IndexOf('(') + 1)..close];
            // After "pid (comm) ": field 3 (state) is index 0, so field 19 (nice) is index 16.
            var fields = stat[(close + 2)..].Split(' ');
            yield return (int.Parse(Path.GetFileName(dir)), name, int.Parse(fields[16]));
        }
    }
}
