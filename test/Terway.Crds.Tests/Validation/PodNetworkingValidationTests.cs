using k8s;
using Terway.Crds.Tests.Support;
using Terway.Crds.V1Beta1;
using Terway.Crds.Validation;
using Terway.Crds.Yaml;

namespace Terway.Crds.Tests.Validation;

[TestFixture]
public sealed class PodNetworkingValidationTests
{
    private static PodNetworkingSpec Valid() => new()
    {
        EniOptions = new EniOptions { EniType = EniAttachTypes.Default },
        SecurityGroupIds = ["sg-a"],
        VSwitchOptions = ["vsw-a"],
        AllocationType = new AllocationType { Type = IPAllocTypes.Fixed, ReleaseStrategy = ReleaseStrategies.Ttl, ReleaseAfter = "5m0s" },
    };

    [TestCase("network_v1beta1_podnetworking.yaml")]
    [TestCase("network_v1beta1_podnetworking_elastic.yaml")]
    [TestCase("network_v1beta1_podnetworking_trunk.yaml")]
    public void Validate_Sample_HasNoErrors(string file)
    {
        var pn = KubernetesJson.Deserialize<V1Beta1PodNetworking>(YamlJson.Parse(File.ReadAllText(RepoPaths.Config("samples", file))).ToJsonString());

        Assert.That(PodNetworkingValidation.Validate(pn.Spec), Is.Empty);
    }

    private static IEnumerable<TestCaseData> Invalid()
    {
        yield return Case("no security groups", s => s.SecurityGroupIds = null, "spec.securityGroupIDs");
        yield return Case("eleven security groups", s => s.SecurityGroupIds = [.. Enumerable.Range(0, 11).Select(i => $"sg-{i}")], "spec.securityGroupIDs");
        yield return Case("empty vSwitches", s => s.VSwitchOptions = [], "spec.vSwitchOptions");
        yield return Case("Never with releaseAfter", s => s.AllocationType = new() { Type = IPAllocTypes.Fixed, ReleaseStrategy = ReleaseStrategies.Never, ReleaseAfter = "5m" }, "spec.allocationType.releaseAfter");
        yield return Case("TTL without releaseAfter", s => s.AllocationType!.ReleaseAfter = null, "spec.allocationType.releaseAfter");
        yield return Case("TTL with bad releaseAfter", s => s.AllocationType!.ReleaseAfter = "5 minutes", "spec.allocationType.releaseAfter");
        yield return Case("unknown strategy", s => s.AllocationType!.ReleaseStrategy = "Sometimes", "spec.allocationType.releaseStrategy");
        yield return Case("unknown allocation type", s => s.AllocationType!.Type = "Sticky", "spec.allocationType.type");
        yield return Case("unknown eniType", s => s.EniOptions!.EniType = "Magic", "spec.eniOptions.eniType");
        yield return Case("unknown policy", s => s.VSwitchSelectOptions = new() { VSwitchSelectionPolicy = "Ordered" }, "spec.vSwitchSelectOptions.vSwitchSelectionPolicy");

        static TestCaseData Case(string name, Action<PodNetworkingSpec> breakIt, string field) =>
            new TestCaseData(breakIt, field).SetName($"Validate_{name.Replace(' ', '_')}_Rejected");
    }

    [TestCaseSource(nameof(Invalid))]
    public void Validate_BrokenSpec_Rejected(Action<PodNetworkingSpec> breakIt, string field)
    {
        var spec = Valid();
        breakIt(spec);

        Assert.That(PodNetworkingValidation.Validate(spec).Select(e => e.Field), Is.EqualTo(new[] { field }));
    }

    [Test]
    public void Validate_ValidSpec_HasNoErrors() => Assert.That(PodNetworkingValidation.Validate(Valid()), Is.Empty);

    [Test]
    public void Validate_NoSelectorsTrunkWithoutInjection_Rejected()
    {
        var spec = Valid();
        spec.EniOptions!.EniType = EniAttachTypes.Trunk;

        Assert.Multiple(() =>
        {
            Assert.That(PodNetworkingValidation.Validate(spec, requireDefaultEniTypeWithoutSelector: true).Select(e => e.Field), Is.EqualTo(new[] { "spec.eniOptions.eniType" }));
            Assert.That(PodNetworkingValidation.Validate(spec, requireDefaultEniTypeWithoutSelector: false), Is.Empty);
        });
    }

    [Test]
    public void Validate_NeverWithoutReleaseAfter_Accepted()
    {
        var spec = Valid();
        spec.AllocationType = new AllocationType { Type = IPAllocTypes.Fixed, ReleaseStrategy = ReleaseStrategies.Never };

        Assert.That(PodNetworkingValidation.Validate(spec), Is.Empty);
    }
}
