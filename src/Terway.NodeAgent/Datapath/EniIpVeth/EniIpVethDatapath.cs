using Terway.NodeAgent.Datapath.Shared;
using Terway.NodeAgent.Kernel;

namespace Terway.NodeAgent.Datapath.EniIpVeth;

/// <summary>
/// ENIIP with veth and policy routing: the pod holds a secondary IP of a shared ENI on a veth
/// (/32, default via 169.254.1.1 with a permanent neighbour). Host: route to the pod via the
/// veth, rule "to pod → main" (512), rule "from pod → table 1000+ENI ifindex" (2048), and in
/// that table a default route via the vSwitch gateway through the ENI.
/// </summary>
internal sealed class EniIpVethDatapath(HostContext host) : IPodDatapath
{
    public static readonly KernelFeature[] Requires = [KernelFeature.Veth];

    public DatapathMode Mode => DatapathMode.EniIpVeth;

    public Task<PodInterfaceResult> SetupAsync(PodNetworkRequest request, CancellationToken cancellationToken = default) =>
        host.GuardAsync(Mode, "setup", request, async () =>
        {
            host.RequireFeatures(Mode, Requires);
            RequestChecks.Addresses(request);
            RequestChecks.Gateways(request);
            var mac = RequestChecks.EniMac(request);
            await host.EnsureForwardingAsync(RequestChecks.HasV4(request), RequestChecks.HasV6(request));
            var eni = await host.FindEniAsync(mac, cancellationToken);
            await host.EnsureRpFilterOffAsync(eni);
            var table = Conventions.RouteTable(eni.Index);
            using var pod = await PodNamespace.OpenAsync(request);
            cancellationToken.ThrowIfCancellationRequested();

            var (hostLink, podLink) = PodVethWiring.Setup(host, pod, request);
            await host.SharedState.WaitAsync(cancellationToken);
            try
            {
                RequestChecks.EnsureUp(host, eni, request.Mtu);
                PolicyRouting.EnsureTable(host, request, eni, table);

                // Under the same lock as the table: a concurrent teardown releases the table
                // when no rule points at it, so the rules must exist before the lock is released.
                PolicyRouting.EnsureRules(host, request, table);
            }
            finally
            {
                host.SharedState.Release();
            }

            return PodVethWiring.Result(Mode, request, hostLink, podLink);
        });

    public Task TeardownAsync(PodNetworkRequest request, CancellationToken cancellationToken = default) =>
        host.GuardAsync(Mode, "teardown", request, async () =>
        {
            PolicyRouting.RemoveRules(host, request);
            PodVethWiring.Teardown(host, request);
            if (request.EniMac is null)
            {
                return true;
            }

            await host.SharedState.WaitAsync(cancellationToken);
            try
            {
                var eni = host.TryFindEni(request.EniMac);
                if (eni is not null)
                {
                    var table = Conventions.RouteTable(eni.Index);
                    if (!PolicyRouting.TableInUse(host, table) && PolicyRouting.FlushTable(host, table) > 0)
                    {
                        DatapathLog.TableReleased(host.Logger, eni.Name, table);
                    }
                }
            }
            finally
            {
                host.SharedState.Release();
            }

            return true;
        });

    public Task<IReadOnlyList<DatapathDrift>> CheckAsync(PodNetworkRequest request, CancellationToken cancellationToken = default) =>
        host.GuardAsync(Mode, "check", request, async () =>
        {
            var drift = new DriftReport();
            using var pod = await PodNamespace.TryOpenAsync(request.NetnsPath);
            drift.PodNamespace(pod, request);

            PodVethWiring.Check(host, pod, request, drift);
            var eni = request.EniMac is null ? null : host.TryFindEni(request.EniMac);
            drift.Eni(eni, request);
            PolicyRouting.Check(host, request, eni, eni is null ? null : Conventions.RouteTable(eni.Index), drift);
            return drift.Items;
        });
}
