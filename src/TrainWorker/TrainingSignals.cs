using System.Threading.Channels;

namespace AcqSeg.TrainWorker;

/// <summary>
/// Lineages that may have work: the consumer signals, the training service reads. A signal is only a hint; the
/// service checks the database before it starts anything, so duplicate or stale signals cost one query.
/// </summary>
public sealed class TrainingSignals
{
    private readonly Channel<string> channel = Channel.CreateUnbounded<string>(new UnboundedChannelOptions { SingleReader = true });

    public void Signal(string model) => channel.Writer.TryWrite(model);

    public IAsyncEnumerable<string> ReadAllAsync(CancellationToken cancel) => channel.Reader.ReadAllAsync(cancel);
}
