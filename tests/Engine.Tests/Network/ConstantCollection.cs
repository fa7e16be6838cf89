namespace AcqSeg.Engine.Tests.Network;

/// <summary>A background thread that collects garbage and runs finalisers without pause until disposed: makes a
/// temporary Scalar freed in the middle of a native call (TorchSharp) show up within seconds.</summary>
internal sealed class ConstantCollection : IDisposable
{
    private readonly CancellationTokenSource stop = new();
    private readonly Thread collector;

    public ConstantCollection()
    {
        collector = new Thread(() =>
        {
            while (!stop.IsCancellationRequested)
            {
                GC.Collect();
                GC.WaitForPendingFinalizers();
            }
        }) { IsBackground = true };
        collector.Start();
    }

    public void Dispose()
    {
        stop.Cancel();
        collector.Join();
        stop.Dispose();
    }
}
