using Terway.NodeAgent.Kernel;

namespace Terway.NodeAgent.Datapath;

/// <summary>A datapath operation failed; the message names the mode, the pod and the kernel error.</summary>
public class DatapathException : Exception
{
    /// <summary>Creates the exception.</summary>
    public DatapathException(string message, Exception? inner = null)
        : base(message, inner)
    {
    }

    /// <summary>The kernel errno behind the failure, if it came from a netlink request or a system call.</summary>
    public int? Errno => InnerException switch
    {
        Netlink.NetlinkException n => n.Errno,
        Interop.SystemCallException s => s.Errno,
        _ => null,
    };
}

/// <summary>The running kernel lacks what a mode needs; lists the features by name.</summary>
public sealed class KernelFeatureMissingException : DatapathException
{
    /// <summary>Creates the exception for <paramref name="mode"/> missing <paramref name="missing"/>.</summary>
    public KernelFeatureMissingException(DatapathMode mode, IReadOnlyList<KernelFeatureStatus> missing)
        : base($"datapath {mode} cannot be built on this kernel: missing {string.Join("; ", missing.Select(m => $"{KernelFeatureNames.Describe(m.Feature)} ({m.Detail})"))}")
    {
        Mode = mode;
        Missing = missing.Select(m => m.Feature).ToList();
    }

    /// <summary>The mode that cannot be built.</summary>
    public DatapathMode Mode { get; }

    /// <summary>The missing features.</summary>
    public IReadOnlyList<KernelFeature> Missing { get; }
}

/// <summary>
/// The container interface name is already taken by an interface this datapath did not create
/// (CNI requires ADD to fail then).
/// </summary>
public sealed class InterfaceExistsException : DatapathException
{
    /// <summary>Creates the exception.</summary>
    public InterfaceExistsException(string message)
        : base(message)
    {
    }
}

/// <summary>The request lacks something the mode needs (ENI MAC, VLAN id, gateway ...).</summary>
public sealed class DatapathRequestException : DatapathException
{
    /// <summary>Creates the exception.</summary>
    public DatapathRequestException(string message)
        : base(message)
    {
    }
}

/// <summary>The ENI with the requested MAC did not appear on the node within the wait time.</summary>
public sealed class EniNotFoundException : DatapathException
{
    /// <summary>Creates the exception.</summary>
    public EniNotFoundException(string message)
        : base(message)
    {
    }
}
