using System.Text.Json;
using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using Terway.Crds.Names;
using Terway.Crds.Tests.Support;
using Terway.Crds.Yaml;

namespace Terway.Crds.Tests.Manifests;

/// <summary>The operator and node agent workloads, read as typed Kubernetes objects.</summary>
[TestFixture]
public sealed class WorkloadManifestTests
{
    private static readonly List<JsonObject> Operator = ConfigManifests.Component("operator");
    private static readonly List<JsonObject> NodeAgent = ConfigManifests.Component("nodeagent");

    private static T Typed<T>(JsonObject node) => KubernetesJson.Deserialize<T>(node.ToJsonString());

    private static V1Deployment Deployment => Typed<V1Deployment>(ConfigManifests.Single(Operator, "Deployment", InstallNames.Operator));

    private static V1DaemonSet DaemonSet => Typed<V1DaemonSet>(ConfigManifests.Single(NodeAgent, "DaemonSet", InstallNames.NodeAgent));

    [Test]
    public void OperatorPod_RestrictedSecurity()
    {
        var pod = Deployment.Spec.Template.Spec;
        var container = pod.Containers.Single();

        Assert.Multiple(() =>
        {
            Assert.That(pod.SecurityContext.RunAsNonRoot, Is.True);
            Assert.That(pod.SecurityContext.RunAsUser, Is.GreaterThan(0));
            Assert.That(pod.SecurityContext.SeccompProfile.Type, Is.EqualTo("RuntimeDefault"));
            Assert.That(container.SecurityContext.AllowPrivilegeEscalation, Is.False);
            Assert.That(container.SecurityContext.ReadOnlyRootFilesystem, Is.True);
            Assert.That(container.SecurityContext.Privileged, Is.Null.Or.False);
            Assert.That(container.SecurityContext.Capabilities.Drop, Is.EqualTo(new[] { "ALL" }));
            Assert.That(container.SecurityContext.Capabilities.Add, Is.Null.Or.Empty);
            Assert.That(pod.ServiceAccountName, Is.EqualTo(InstallNames.Operator));
            Assert.That(pod.Volumes.Where(v => v.HostPath is not null), Is.Empty);
        });
    }

    [Test]
    public void OperatorContainer_ProbesPortsAndResources()
    {
        var container = Deployment.Spec.Template.Spec.Containers.Single();
        int Port(string name) => container.Ports.Single(p => p.Name == name).ContainerPort;

        Assert.Multiple(() =>
        {
            Assert.That(container.LivenessProbe.HttpGet.Path, Is.EqualTo("/healthz"));
            Assert.That(container.ReadinessProbe.HttpGet.Path, Is.EqualTo("/readyz"));
            Assert.That(container.LivenessProbe.HttpGet.Port.Value, Is.EqualTo("healthz"));
            Assert.That(Port("healthz"), Is.EqualTo(InstallNames.OperatorHealthPort));
            Assert.That(Port("metrics"), Is.EqualTo(InstallNames.OperatorMetricsPort));
            Assert.That(Port("webhook"), Is.EqualTo(InstallNames.WebhookPort));
            Assert.That(container.Resources.Requests.Keys, Is.EquivalentTo(new[] { "cpu", "memory" }));
            Assert.That(container.Resources.Limits.Keys, Does.Contain("memory"));
            Assert.That(container.Args, Is.EqualTo(new[] { "--config", InstallNames.OperatorConfigPath }));
        });
    }

    [Test]
    public void OperatorConfig_MountedWhereTheArgumentPoints_WithLeaderElectionOn()
    {
        var pod = Deployment.Spec.Template.Spec;
        var mount = pod.Containers.Single().VolumeMounts.Single(m => m.Name == "config");
        var volume = pod.Volumes.Single(v => v.Name == "config");
        var configMap = Typed<V1ConfigMap>(ConfigManifests.Single(Operator, "ConfigMap", InstallNames.OperatorConfigMap));
        var config = YamlJson.Parse(configMap.Data[InstallNames.OperatorConfigKey]);

        Assert.Multiple(() =>
        {
            Assert.That(mount.MountPath + "/" + volume.ConfigMap.Items.Single().Path, Is.EqualTo(InstallNames.OperatorConfigPath));
            Assert.That(volume.ConfigMap.Name, Is.EqualTo(InstallNames.OperatorConfigMap));
            Assert.That(config["leaderElection"]!.GetValue<bool>(), Is.True);
            Assert.That(config["webhookPort"]!.GetValue<int>(), Is.EqualTo(InstallNames.WebhookPort));
            Assert.That(config["healthzBindAddress"]!.GetValue<string>(), Does.EndWith(":" + InstallNames.OperatorHealthPort));
            Assert.That(config["metricsBindAddress"]!.GetValue<string>(), Does.EndWith(":" + InstallNames.OperatorMetricsPort));
        });
    }

    [Test]
    public void WebhookService_TargetsTheWebhookPort()
    {
        var service = Typed<V1Service>(ConfigManifests.Single(Operator, "Service", InstallNames.WebhookService));

        Assert.Multiple(() =>
        {
            Assert.That(service.Spec.Ports.Single().Port, Is.EqualTo(443));
            Assert.That(service.Spec.Ports.Single().TargetPort.Value, Is.EqualTo("webhook"));
            Assert.That(service.Spec.Selector, Is.EqualTo(Deployment.Spec.Selector.MatchLabels));
        });
    }

    [Test]
    public void MutatingWebhook_PodsCreateIgnoreTenSecondsOptOutNamespaces()
    {
        var config = Typed<V1MutatingWebhookConfiguration>(ConfigManifests.Single(Operator, "MutatingWebhookConfiguration", InstallNames.WebhookConfiguration));
        var hook = config.Webhooks.Single();
        var podRule = hook.Rules.Single(r => r.Resources.Contains("pods"));
        var selector = hook.NamespaceSelector.MatchExpressions.Single();

        Assert.Multiple(() =>
        {
            Assert.That(hook.Name, Is.EqualTo(InstallNames.MutatingWebhook));
            Assert.That(hook.ClientConfig.Service.Path, Is.EqualTo(InstallNames.MutatingPath));
            Assert.That(hook.ClientConfig.Service.Name, Is.EqualTo(InstallNames.WebhookService));
            Assert.That(hook.ClientConfig.CaBundle, Is.Null, "the operator injects caBundle");
            Assert.That(hook.FailurePolicy, Is.EqualTo("Ignore"));
            Assert.That(hook.TimeoutSeconds, Is.EqualTo(10));
            Assert.That(podRule.Operations, Is.EqualTo(new[] { "CREATE" }));
            Assert.That(selector.Key, Is.EqualTo(Labels.NamespacePodEni));
            Assert.That(selector.OperatorProperty, Is.EqualTo("NotIn"));
            Assert.That(selector.Values, Is.EqualTo(new[] { Annotations.False }));
            Assert.That(hook.ObjectSelector.MatchExpressions.Single().Key, Is.EqualTo(Labels.IgnoreByTerway));
        });
    }

    [Test]
    public void ValidatingWebhook_PodNetworkingsCreateAndUpdateFail()
    {
        var config = Typed<V1ValidatingWebhookConfiguration>(ConfigManifests.Single(Operator, "ValidatingWebhookConfiguration", InstallNames.WebhookConfiguration));
        var hook = config.Webhooks.Single();

        Assert.Multiple(() =>
        {
            Assert.That(hook.Name, Is.EqualTo(InstallNames.ValidatingWebhook));
            Assert.That(hook.ClientConfig.Service.Path, Is.EqualTo(InstallNames.ValidatingPath));
            Assert.That(hook.FailurePolicy, Is.EqualTo("Fail"));
            Assert.That(hook.Rules.Single().Resources, Is.EqualTo(new[] { "podnetworkings" }));
            Assert.That(hook.Rules.Single().Operations, Is.EquivalentTo(new[] { "CREATE", "UPDATE" }));
            Assert.That(hook.Rules.Single().ApiGroups, Is.EqualTo(new[] { NetworkGroup.Name }));
        });
    }

    [Test]
    public void NodeAgentPod_HostNetworkWithOnlyTheDatapathCapabilities()
    {
        var pod = DaemonSet.Spec.Template.Spec;
        var agent = pod.Containers.Single();

        Assert.Multiple(() =>
        {
            Assert.That(pod.HostNetwork, Is.True);
            Assert.That(pod.ServiceAccountName, Is.EqualTo(InstallNames.NodeAgent));
            Assert.That(agent.SecurityContext.Privileged, Is.Null.Or.False);
            Assert.That(agent.SecurityContext.Capabilities.Drop, Is.EqualTo(new[] { "ALL" }));
            Assert.That(agent.SecurityContext.Capabilities.Add, Is.EquivalentTo(new[] { "NET_ADMIN", "NET_RAW", "SYS_ADMIN" }));
            Assert.That(agent.SecurityContext.ReadOnlyRootFilesystem, Is.True);
            Assert.That(pod.Tolerations.Single().OperatorProperty, Is.EqualTo("Exists"));
            Assert.That(pod.HostPID, Is.Null.Or.False);
            Assert.That(pod.HostIPC, Is.Null.Or.False);
        });
    }

    [Test]
    public void NodeAgentPod_MountsTheHostPathsTheDatapathUses()
    {
        var pod = DaemonSet.Spec.Template.Spec;
        var hostPaths = pod.Volumes.Where(v => v.HostPath is not null).ToDictionary(v => v.Name, v => v.HostPath.Path);
        var agentMounts = pod.Containers.Single().VolumeMounts.Select(m => hostPaths.GetValueOrDefault(m.Name)).OfType<string>();
        var initMounts = pod.InitContainers.Single().VolumeMounts.Select(m => hostPaths.GetValueOrDefault(m.Name)).OfType<string>();

        Assert.Multiple(() =>
        {
            Assert.That(agentMounts, Is.SupersetOf(new[] { "/var/run/netns", "/run/netns", InstallNames.AgentRunDirectory, InstallNames.AgentStateDirectory }));
            Assert.That(initMounts, Is.EquivalentTo(new[] { "/opt/cni/bin", "/etc/cni/net.d" }));
            Assert.That(pod.Containers.Single().VolumeMounts.Where(m => m.Name is "netns" or "run-netns").Select(m => m.MountPropagation), Has.All.EqualTo("HostToContainer"));
        });
    }

    [Test]
    public void NodeAgentInit_InstallsBinaryAndConflist()
    {
        var init = DaemonSet.Spec.Template.Spec.InitContainers.Single();
        var script = init.Command.Last();

        Assert.Multiple(() =>
        {
            Assert.That(script, Does.Contain("/host/opt/cni/bin/terway"));
            Assert.That(script, Does.Contain("/host/etc/cni/net.d/" + InstallNames.CniConfListName));
            Assert.That(init.SecurityContext.Capabilities.Add, Is.Null.Or.Empty);
            Assert.That(init.Image, Is.EqualTo(DaemonSet.Spec.Template.Spec.Containers.Single().Image));
        });
    }

    [Test]
    public void CniConflist_ChainsTerwayBandwidthPortmap()
    {
        var configMap = Typed<V1ConfigMap>(ConfigManifests.Single(NodeAgent, "ConfigMap", InstallNames.CniConfigMap));
        using var conflist = JsonDocument.Parse(configMap.Data[InstallNames.CniConfListName]);
        var plugins = conflist.RootElement.GetProperty("plugins").EnumerateArray().ToList();

        Assert.Multiple(() =>
        {
            Assert.That(conflist.RootElement.GetProperty("name").GetString(), Is.EqualTo("terway"));
            Assert.That(conflist.RootElement.GetProperty("cniVersion").GetString(), Is.EqualTo("1.0.0"));
            Assert.That(plugins.Select(p => p.GetProperty("type").GetString()), Is.EqualTo(new[] { "terway", "bandwidth", "portmap" }));
            Assert.That(plugins[1].GetProperty("capabilities").GetProperty("bandwidth").GetBoolean(), Is.True);
            Assert.That(plugins[2].GetProperty("capabilities").GetProperty("portMappings").GetBoolean(), Is.True);
        });
    }

    [Test]
    public void FixedIpStatefulSetSample_PodsMatchTestNetworkingSelectors()
    {
        var samples = YamlJson.ParseAll(File.ReadAllText(RepoPaths.Config("samples", "fixed_ip_statefulset.yaml"))).Select(n => n.AsObject()).ToList();
        var pn = KubernetesJson.Deserialize<Terway.Crds.V1Beta1.V1Beta1PodNetworking>(
            YamlJson.Parse(File.ReadAllText(RepoPaths.Config("samples", "network_v1beta1_podnetworking.yaml"))).ToJsonString());
        var statefulSet = Typed<V1StatefulSet>(ConfigManifests.Single(samples, "StatefulSet", "db"));
        var ns = Typed<V1Namespace>(ConfigManifests.Single(samples, "Namespace", statefulSet.Metadata.NamespaceProperty));

        Assert.Multiple(() =>
        {
            Assert.That(pn.Spec.AllocationType!.Type, Is.EqualTo(Terway.Crds.V1Beta1.IPAllocTypes.Fixed));
            Assert.That(statefulSet.Spec.Template.Metadata.Labels, Is.SupersetOf(pn.Spec.Selector!.PodSelector!.MatchLabels));
            Assert.That(ns.Metadata.Labels, Is.SupersetOf(pn.Spec.Selector.NamespaceSelector!.MatchLabels));
            Assert.That(Terway.Crds.Workloads.PodIdentity.IsFixedName([new V1OwnerReference { Kind = "StatefulSet", Name = "db", ApiVersion = "apps/v1", Uid = "u" }]), Is.True);
        });
    }
}
