using Terway.NodeAgent.Netlink;
using Terway.NodeAgent.Netns;

namespace Terway.NodeAgent.Datapath.Shared;

/// <summary>A pod's network namespace, opened with a netlink client bound to it for the length of one operation.</summary>
internal sealed class PodNamespace : IDisposable
{
    private PodNamespace(NetworkNamespace handle, RtNetlink netlink)
    {
        Handle = handle;
        Netlink = netlink;
    }

    public NetworkNamespace Handle { get; }

    public RtNetlink Netlink { get; }

    public string Path => Handle.Path;

    /// <summary>Opens the namespace for setup: it must exist.</summary>
    public static async Task<PodNamespace> OpenAsync(PodNetworkRequest request)
    {
        if (string.IsNullOrEmpty(request.NetnsPath))
        {
            throw new DatapathRequestException($"pod {request.PodKey}: a network namespace path is required");
        }

        return await TryOpenAsync(request.NetnsPath)
            ?? throw new DatapathRequestException($"pod {request.PodKey}: network namespace {request.NetnsPath} does not exist");
    }

    /// <summary>Opens the namespace for teardown or check; null when it is not given or already gone.</summary>
    public static async Task<PodNamespace?> TryOpenAsync(string? path)
    {
        var handle = NetworkNamespace.TryOpen(path);
        if (handle is null)
        {
            return null;
        }

        try
        {
            return new PodNamespace(handle, await handle.OpenNetlinkAsync());
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    public void Dispose()
    {
        Netlink.Dispose();
        Handle.Dispose();
    }
}
