using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using Terway.NodeAgent.Netns;

namespace Terway.Sandbox.Fabric;

/// <summary>
/// Real traffic between namespaces. Sockets are created on a thread inside the source namespace
/// (they stay bound to it) and then used asynchronously from anywhere; every wait has a deadline.
/// </summary>
public static class Probes
{
    private static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(5);

    /// <summary>Sends ICMP echo requests from <paramref name="sourcePath"/> to <paramref name="destination"/>; true on a reply.</summary>
    public static async Task<bool> PingAsync(string sourcePath, IPAddress destination, TimeSpan? timeout = null)
    {
        using var ns = NetworkNamespace.Open(sourcePath);
        var v4 = destination.AddressFamily == AddressFamily.InterNetwork;
        using var socket = await ns.RunAsync(() => new Socket(destination.AddressFamily, SocketType.Raw, v4 ? ProtocolType.Icmp : ProtocolType.IcmpV6));
        var identifier = (ushort)Random.Shared.Next(1, ushort.MaxValue);
        using var deadline = new CancellationTokenSource(timeout ?? DefaultTimeout);
        var buffer = new byte[2048];
        for (ushort sequence = 1; !deadline.IsCancellationRequested; sequence++)
        {
            await socket.SendToAsync(EchoRequest(v4, identifier, sequence), new IPEndPoint(destination, 0), deadline.Token);
            using var attempt = CancellationTokenSource.CreateLinkedTokenSource(deadline.Token);
            attempt.CancelAfter(TimeSpan.FromMilliseconds(700));
            try
            {
                while (true)
                {
                    var received = await socket.ReceiveFromAsync(buffer, new IPEndPoint(v4 ? IPAddress.Any : IPAddress.IPv6Any, 0), attempt.Token);
                    var data = buffer.AsSpan(0, received.ReceivedBytes);
                    if (v4)
                    {
                        data = data[((data[0] & 0x0F) * 4)..]; // raw IPv4 sockets deliver the IP header
                    }

                    var replyType = v4 ? 0 : 129;
                    if (data.Length >= 8 && data[0] == replyType
                        && BinaryPrimitives.ReadUInt16BigEndian(data[4..]) == identifier
                        && ((IPEndPoint)received.RemoteEndPoint).Address.Equals(destination))
                    {
                        return true;
                    }
                }
            }
            catch (OperationCanceledException) when (!deadline.IsCancellationRequested)
            {
                // No reply to this request yet: send the next one.
            }
            catch (OperationCanceledException)
            {
                return false;
            }
        }

        return false;
    }

    /// <summary>Listens on TCP inside <paramref name="path"/>; accepts one connection and echoes a line.</summary>
    public static async Task<TcpEchoServer> ListenTcpAsync(string path, IPAddress address)
    {
        using var ns = NetworkNamespace.Open(path);
        var socket = await ns.RunAsync(() =>
        {
            var s = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
            s.Bind(new IPEndPoint(address, 0));
            s.Listen(8);
            return s;
        });
        return new TcpEchoServer(socket);
    }

    /// <summary>Connects from <paramref name="path"/> to <paramref name="endpoint"/>, sends a line and reads the echo.</summary>
    public static async Task<string> TcpExchangeAsync(string path, IPEndPoint endpoint, string message, TimeSpan? timeout = null)
    {
        using var ns = NetworkNamespace.Open(path);
        using var socket = await ns.RunAsync(() => new Socket(endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp));
        using var deadline = new CancellationTokenSource(timeout ?? DefaultTimeout);
        await socket.ConnectAsync(endpoint, deadline.Token);
        await socket.SendAsync(System.Text.Encoding.ASCII.GetBytes(message), deadline.Token);
        var buffer = new byte[256];
        var n = await socket.ReceiveAsync(buffer, deadline.Token);
        return System.Text.Encoding.ASCII.GetString(buffer, 0, n);
    }

    /// <summary>Opens a UDP socket bound inside <paramref name="path"/>.</summary>
    public static async Task<Socket> BindUdpAsync(string path, IPEndPoint endpoint)
    {
        using var ns = NetworkNamespace.Open(path);
        return await ns.RunAsync(() =>
        {
            var s = new Socket(endpoint.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
            s.Bind(endpoint);
            return s;
        });
    }

    private static byte[] EchoRequest(bool v4, ushort identifier, ushort sequence)
    {
        var packet = new byte[16];
        packet[0] = (byte)(v4 ? 8 : 128);
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(4), identifier);
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(6), sequence);
        "terwayNA"u8.CopyTo(packet.AsSpan(8));
        if (v4)
        {
            BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(2), InternetChecksum(packet));
        }

        // The kernel fills in the ICMPv6 checksum for raw ICMPv6 sockets.
        return packet;
    }

    internal static ushort InternetChecksum(ReadOnlySpan<byte> data)
    {
        uint sum = 0;
        for (var i = 0; i + 1 < data.Length; i += 2)
        {
            sum += BinaryPrimitives.ReadUInt16BigEndian(data[i..]);
        }

        if (data.Length % 2 == 1)
        {
            sum += (uint)(data[^1] << 8);
        }

        while (sum > 0xFFFF)
        {
            sum = (sum & 0xFFFF) + (sum >> 16);
        }

        return (ushort)~sum;
    }
}

/// <summary>A TCP listener in a namespace that echoes what each connection sends, prefixed with "echo:".</summary>
public sealed class TcpEchoServer : IDisposable
{
    private readonly Socket _socket;
    private readonly CancellationTokenSource _stop = new();

    internal TcpEchoServer(Socket socket)
    {
        _socket = socket;
        _ = ServeAsync();
    }

    /// <summary>The address and port the server listens on.</summary>
    public IPEndPoint EndPoint => (IPEndPoint)_socket.LocalEndPoint!;

    /// <summary>Remote addresses of accepted connections.</summary>
    public List<IPAddress> Peers { get; } = [];

    /// <summary>Stops the server.</summary>
    public void Dispose()
    {
        _stop.Cancel();
        _socket.Dispose();
        _stop.Dispose();
    }

    private async Task ServeAsync()
    {
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                using var client = await _socket.AcceptAsync(_stop.Token);
                lock (Peers)
                {
                    Peers.Add(((IPEndPoint)client.RemoteEndPoint!).Address);
                }

                var buffer = new byte[256];
                var n = await client.ReceiveAsync(buffer, _stop.Token);
                await client.SendAsync(System.Text.Encoding.ASCII.GetBytes("echo:" + System.Text.Encoding.ASCII.GetString(buffer, 0, n)), _stop.Token);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
        {
            // The server stops when the test disposes it.
        }
    }
}
