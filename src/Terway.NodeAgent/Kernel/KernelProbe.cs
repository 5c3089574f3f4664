using System.Net;
using Terway.NodeAgent.Bpf;
using Terway.NodeAgent.Netlink;
using Terway.NodeAgent.Netns;
using Terway.NodeAgent.Tc;

namespace Terway.NodeAgent.Kernel;

/// <summary>
/// Finds out once per process what the kernel can build, by trying each thing for real in a
/// throwaway network namespace (which disappears with the probe's socket).
/// </summary>
internal static class KernelProbe
{
    private static readonly Lazy<Task<KernelFeatureReport>> Cached =
        new(() => NamespaceThread.RunInNewNamespaceAsync(ProbeHere), LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>The features of the running kernel (probed on first use).</summary>
    public static Task<KernelFeatureReport> GetAsync() => Cached.Value;

    /// <summary>Probes in the calling thread's namespace, which must be a disposable one.</summary>
    internal static KernelFeatureReport ProbeHere()
    {
        using var nl = RtNetlink.Open();
        var results = new List<KernelFeatureStatus>();

        var veth = Try(results, KernelFeature.Veth, () => nl.CreateVeth("probe0", "probe1", new NewLinkOptions { Up = true }, new NewLinkOptions { Up = true }));
        var lower = veth ? nl.GetLink("probe0") : null;
        var peer = veth ? nl.GetLink("probe1") : null;

        Try(results, KernelFeature.Bridge, () => nl.CreateBridge("probebr"));
        if (lower is not null)
        {
            Try(results, KernelFeature.Vlan8021Q, () => nl.CreateVlan("probe0.5", lower.Index, 5));
            Try(results, KernelFeature.Ipvlan, () => nl.CreateIpvlan("probeipvl", lower.Index, IpvlanMode.L2));
            Try(results, KernelFeature.Macvlan, () => nl.CreateMacvlan("probemv", lower.Index, MacvlanMode.Bridge));
        }
        else
        {
            foreach (var f in new[] { KernelFeature.Vlan8021Q, KernelFeature.Ipvlan, KernelFeature.Macvlan })
            {
                results.Add(new KernelFeatureStatus(f, false, "not probed: veth is unavailable"));
            }
        }

        var clsact = lower is not null && Try(results, KernelFeature.Clsact, () => nl.Tc.EnsureClsact(lower.Index));
        if (clsact && peer is not null)
        {
            Try(results, KernelFeature.U32Mirred, () => nl.Tc.AddU32Filter(
                lower!.Index, TcDirection.Ingress, 1, EtherType.IPv4,
                [new U32Key(0xFF000000, 0x0A000000, 16)], MirredAction.IngressRedirect(peer.Index)));
        }
        else
        {
            results.Add(new KernelFeatureStatus(KernelFeature.U32Mirred, false, "not probed: clsact is unavailable"));
        }

        var bpf = Try(results, KernelFeature.BpfSyscall, () =>
        {
            var asm = new BpfAssembler();
            asm.Return(Netlink.Tca.TC_ACT_UNSPEC);
            using var p = BpfProgram.Load(BpfProgram.ProgramTypeSchedCls, asm.Encode(), "terway_probe");
        });
        if (bpf)
        {
            Try(results, KernelFeature.BpfVlanHelpers, () =>
            {
                using var push = BpfProgram.Load(BpfProgram.ProgramTypeSchedCls, VlanPrograms.EgressPushVlan(IPAddress.Parse("10.0.0.1"), 5), "terway_probe");
                using var pop = BpfProgram.Load(BpfProgram.ProgramTypeSchedCls, VlanPrograms.IngressPopVlan([IPAddress.Parse("10.0.0.1")], 5), "terway_probe");
            });
        }
        else
        {
            results.Add(new KernelFeatureStatus(KernelFeature.BpfVlanHelpers, false, "not probed: bpf() is unavailable"));
        }

        if (bpf && clsact)
        {
            Try(results, KernelFeature.ClsBpf, () =>
            {
                var asm = new BpfAssembler();
                asm.Return(Netlink.Tca.TC_ACT_UNSPEC);
                using var p = BpfProgram.Load(BpfProgram.ProgramTypeSchedCls, asm.Encode(), "terway_probe");
                nl.Tc.ReplaceBpfFilter(lower!.Index, TcDirection.Egress, 1, EtherType.All, 1, p.Fd, "terway_probe");
            });
        }
        else
        {
            results.Add(new KernelFeatureStatus(KernelFeature.ClsBpf, false, "not probed: bpf() or clsact is unavailable"));
        }

        return new KernelFeatureReport(results);
    }

    private static bool Try(List<KernelFeatureStatus> results, KernelFeature feature, Action attempt)
    {
        try
        {
            attempt();
            results.Add(new KernelFeatureStatus(feature, true, "available"));
            return true;
        }
        catch (Exception e) when (e is NetlinkException or Interop.SystemCallException)
        {
            results.Add(new KernelFeatureStatus(feature, false, e.Message));
            return false;
        }
    }
}
