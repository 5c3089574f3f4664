using k8s.Models;
using Microsoft.Extensions.Logging;
using Terway.Crds.Names;
using Terway.Crds.V1Beta1;
using Terway.Kube.Cache;
using Terway.Kube.Client;
using Terway.Kube.Events;
using Terway.Kube.Hosting;
using Terway.Operator.Cloud;
using Terway.Operator.Configuration;
using Terway.Operator.Controllers.Pod;
using Terway.Operator.Hosting;

namespace Terway.Operator.Controllers.Shared;

/// <summary>Names of the cache indexes the controllers share.</summary>
internal static class IndexNames
{
    /// <summary>Pods by <c>spec.nodeName</c>.</summary>
    public const string PodsByNode = "spec.nodeName";

    /// <summary>Pods by the PodNetworking named in their <c>k8s.aliyun.com/pod-networking</c> annotation.</summary>
    public const string PodsByNetworking = "annotation:" + Annotations.PodNetworking;

    /// <summary>PodENIs by <c>status.instanceID</c> (where their ENIs are attached).</summary>
    public const string PodEnisByInstance = "status.instanceID";

    /// <summary>PodENIs by their <c>k8s.aliyun.com/node</c> label.</summary>
    public const string PodEnisByNode = "label:" + Labels.Node;
}

/// <summary>Everything the controllers share: configuration, caches, clients, cloud services, events and metrics.</summary>
internal sealed class OperatorContext
{
    public required OperatorOptions Options { get; init; }

    public required KubeManager Manager { get; init; }

    public required IKubeApiClient Client { get; init; }

    public required IEniService Enis { get; init; }

    public required IVSwitchPool VSwitches { get; init; }

    public required IInstanceTypeCache InstanceTypes { get; init; }

    public required ISecurityGroupLookup SecurityGroups { get; init; }

    public required IEventRecorder Events { get; init; }

    public required OperatorMetrics Metrics { get; init; }

    public required TimeProvider Time { get; init; }

    public required ILoggerFactory LoggerFactory { get; init; }

    public PollTracker Polls { get; init; } = null!;

    /// <summary>
    /// How long a call of the named cloud API would wait in the cloud client's rate limiter now (zero when no
    /// client limits apply), so reconcilers can requeue instead of holding a worker there.
    /// </summary>
    public Func<string, TimeSpan> RateLimitDelay { get; init; } = static _ => TimeSpan.Zero;

    public Random Random { get; init; } = Random.Shared;

    public IResourceCache<V1Pod> Pods => Manager.GetCache<V1Pod>();

    public IResourceCache<V1Node> Nodes => Manager.GetCache<V1Node>();

    public IResourceCache<V1Namespace> Namespaces => Manager.GetCache<V1Namespace>();

    public IResourceCache<V1Beta1PodEni> PodEnis => Manager.GetCache<V1Beta1PodEni>();

    public IResourceCache<V1Beta1Node> NodeCrs => Manager.GetCache<V1Beta1Node>();

    public IResourceCache<V1Beta1PodNetworking> PodNetworkings => Manager.GetCache<V1Beta1PodNetworking>();

    public DateTime UtcNow => Time.GetUtcNow().UtcDateTime;

    /// <summary>The resolver's cluster settings from the options.</summary>
    public PodNetworkDefaults NetworkDefaults => new()
    {
        EnableTrunk = Options.EnableTrunk,
        CustomStatefulKinds = [.. Options.CustomStatefulWorkloadKinds],
        VSwitches = [.. Options.VSwitches.Values.SelectMany(v => v)],
        SecurityGroupIds = [.. Options.SecurityGroupIds],
        SelectionPolicy = Options.VSwitchSelectionPolicy,
        ResourceGroupId = Options.ResourceGroupId,
    };

    /// <summary>The ENI tags that mark an ENI as the operator's, plus an owner tag naming what it is for.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> OwnedTags(string ownerKey, string owner) =>
    [
        new(EniTags.ClusterIdKey, Options.ClusterId),
        new(EniTags.CreatorKey, EniTags.CreatorController),
        new(ownerKey, owner),
    ];
}
