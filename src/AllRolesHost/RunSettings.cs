namespace AcqSeg.AllRolesHost;

/// <summary>Which roles one `acqseg run` process hosts: all of them, or one, as its own role process does (several
/// processes on one broker and database make a deployment: one watcher, any number of segment workers).</summary>
public enum ServiceRole
{
    All,
    Watcher,
    SegmentWorker,
}

/// <summary>What `acqseg run` was asked for.</summary>
public sealed record RunSettings
{
    public required IReadOnlyList<string> WatchFolders { get; init; }
    public required string OutputFolder { get; init; }
    /// <summary>Lineage name of the default model.</summary>
    public required string ModelName { get; init; }
    /// <summary>Its base weight file.</summary>
    public required string ModelPath { get; init; }
    /// <summary>
    /// True when the operator named the model (`run --model`): it then serves every acquisition nobody assigned (a rule
    /// for "*"), rather than only the fallback of the style-based choice.
    /// </summary>
    public bool ModelForEveryAcquisition { get; init; }
    public ServiceRole Role { get; init; } = ServiceRole.All;
    /// <summary>
    /// The model zoo folder (style-based model choice, training styles, licences, and a zoo model's version numbers);
    /// null = none. Given as a path, so the service sees the same zoo as the command that started it, wherever it runs.
    /// </summary>
    public string? ZooRoot { get; init; }
    /// <summary>"memory" or rabbitmq://user:pass@host:port/vhost.</summary>
    public string Bus { get; init; } = "memory";
    /// <summary>SQLite path or PostgreSQL connection; null = OutputFolder/acqseg.db.</summary>
    public string? Database { get; init; }

    /// <summary><see cref="Database"/> or its default.</summary>
    public string DatabaseConnection => Database ?? Path.Combine(Path.GetFullPath(OutputFolder), "acqseg.db");
    /// <summary>host:port the review API, /metrics and /health listen on.</summary>
    public string Http { get; init; } = "127.0.0.1:5080";
    public string Device { get; init; } = "cpu";
    /// <summary>Cellpose's exact float32 network path instead of the fast one.</summary>
    public bool Exact { get; init; }
    /// <summary>Fast path arithmetic: auto, float32 or bfloat16.</summary>
    public string Precision { get; init; } = "auto";
    /// <summary>Fast path tiles: cellpose or large.</summary>
    public string FastTiles { get; init; } = "cellpose";
    /// <summary>Keep every frame's X_flows.tif (SegmentWorker:SaveFlows), which the editor's flows and cell-probability
    /// views show; false leaves the setting to the configuration (off by default).</summary>
    public bool SaveFlows { get; init; }
    /// <summary>Stop once nothing has been pending for this long; null = run until stopped.</summary>
    public TimeSpan? ExitWhenIdle { get; init; }
    /// <summary>How long a file must stay unchanged before it counts: the watcher's own default, so `run` and a
    /// standalone Watcher judge a slowly written file alike.</summary>
    public TimeSpan StableFor { get; init; } = DefaultStableFor;

    public static TimeSpan DefaultStableFor => TimeSpan.FromMilliseconds(new AcqSeg.Watcher.WatcherOptions().StableMilliseconds);
}
