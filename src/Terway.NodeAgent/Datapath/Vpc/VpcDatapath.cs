using Terway.NodeAgent.Datapath.Shared;
using Terway.NodeAgent.Kernel;

namespace Terway.NodeAgent.Datapath.Vpc;

/// <summary>
/// VPC mode: the pod address comes from the node's podCIDR and the VPC route table sends the
/// podCIDR to the node. Pod: veth eth0 with the address as /32 (/128), default route via the
/// link-local gateway. Host: route to the pod via its veth. No ENI, no policy routing.
/// </summary>
internal sealed class VpcDatapath(HostContext host) : IPodDatapath
{
    public static readonly KernelFeature[] Requires = [KernelFeature.Veth];

    public DatapathMode Mode => DatapathMode.Vpc;

    public Task<PodInterfaceResult> SetupAsync(PodNetworkRequest request, CancellationToken cancellationToken = default) =>
        host.GuardAsync(Mode, "setup", request, async () =>
        {
            host.RequireFeatures(Mode, Requires);
            RequestChecks.Addresses(request);
            await host.EnsureForwardingAsync(RequestChecks.HasV4(request), RequestChecks.HasV6(request));
            using var pod = await PodNamespace.OpenAsync(request);
            cancellationToken.ThrowIfCancellationRequested();
            var (hostLink, podLink) = PodVethWiring.Setup(host, pod, request);
            return PodVethWiring.Result(Mode, request, hostLink, podLink);
        });

    public Task TeardownAsync(PodNetworkRequest request, CancellationToken cancellationToken = default) =>
        host.GuardAsync(Mode, "teardown", request, () =>
        {
            PodVethWiring.Teardown(host, request);
            return Task.FromResult(true);
        });

    public Task<IReadOnlyList<DatapathDrift>> CheckAsync(PodNetworkRequest request, CancellationToken cancellationToken = default) =>
        host.GuardAsync(Mode, "check", request, async () =>
        {
            var drift = new DriftReport();
            using var pod = await PodNamespace.TryOpenAsync(request.NetnsPath);
            drift.PodNamespace(pod, request);

            PodVethWiring.Check(host, pod, request, drift);
            return drift.Items;
        });
}
