using System.Net;
using System.Net.Sockets;

namespace AcqSeg.Integration.Tests;

/// <summary>
/// A loopback TCP relay to a server, which a test can cut (every open connection dropped, new ones refused) and
/// restore: a database outage for one service under test, while the shared server stays up for everyone else.
/// </summary>
public sealed class TcpRelay : IAsyncDisposable
{
    private readonly string targetHost;
    private readonly int targetPort;
    private readonly List<TcpClient> open = [];
    private readonly CancellationTokenSource stop = new();
    private TcpListener? listener;
    private Task accepting = Task.CompletedTask;

    public TcpRelay(string targetHost, int targetPort)
    {
        this.targetHost = targetHost;
        this.targetPort = targetPort;
        Port = PrometheusServer.FreePort();
        Restore();
    }

    public int Port { get; }

    /// <summary>Drops every relayed connection and stops listening: clients see resets, then refused connections.</summary>
    public async Task CutAsync()
    {
        listener?.Stop();
        await accepting;
        lock (open)
        {
            foreach (var c in open) c.Dispose();
            open.Clear();
        }
    }

    public void Restore()
    {
        listener = new TcpListener(IPAddress.Loopback, Port);
        listener.Start();
        var l = listener;
        accepting = Task.Run(() => AcceptAsync(l));
    }

    public async ValueTask DisposeAsync()
    {
        await stop.CancelAsync();
        await CutAsync();
        stop.Dispose();
    }

    private async Task AcceptAsync(TcpListener l)
    {
        while (true)
        {
            TcpClient client;
            try
            {
                client = await l.AcceptTcpClientAsync(stop.Token);
            }
            // InvalidOperationException: the listener was stopped between two accepts (a cut while a connection to the
            // server was being made), which a loaded machine hits.
            catch (Exception ex) when (ex is SocketException or ObjectDisposedException or OperationCanceledException or InvalidOperationException)
            {
                return; // cut or disposed
            }
            var server = new TcpClient();
            try
            {
                await server.ConnectAsync(targetHost, targetPort, stop.Token);
            }
            catch (Exception ex) when (ex is SocketException or OperationCanceledException)
            {
                client.Dispose();
                server.Dispose();
                continue;
            }
            lock (open)
            {
                open.Add(client);
                open.Add(server);
            }
            _ = PumpAsync(client, server);
            _ = PumpAsync(server, client);
        }
    }

    private async Task PumpAsync(TcpClient from, TcpClient to)
    {
        try
        {
            await from.GetStream().CopyToAsync(to.GetStream(), stop.Token);
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException or OperationCanceledException or InvalidOperationException)
        {
            // The relay was cut or one side closed.
        }
        finally
        {
            from.Dispose();
            to.Dispose();
        }
    }
}
