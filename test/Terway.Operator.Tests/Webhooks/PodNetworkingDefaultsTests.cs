using Terway.Crds.V1Beta1;
using Terway.Operator.Tests.Webhooks.Support;
using Terway.Operator.Webhooks.PodNetworkings;
using static Terway.Operator.Tests.Webhooks.Support.Objects;

namespace Terway.Operator.Tests.Webhooks;

[TestFixture]
public sealed class PodNetworkingDefaultsTests
{
    private static readonly string[] DefaultVSwitches = ["vsw-1", "vsw-2"];
    private static readonly string[] DefaultGroups = ["sg-1"];

    [Test]
    public void Fill_BothMissing_BothFilledFromDefaults()
    {
        var pn = PodNetworking("pn");
        pn.Spec.SecurityGroupIds = null;
        pn.Spec.VSwitchOptions = [];

        var decision = PodNetworkingDefaults.Fill(pn, specPresent: true, DefaultVSwitches, DefaultGroups);
        var result = JsonPatchApplier.Apply(pn, decision.Patch);

        Assert.Multiple(() =>
        {
            Assert.That(decision.Allowed, Is.True);
            Assert.That(result.Spec.SecurityGroupIds, Is.EqualTo(DefaultGroups));
            Assert.That(result.Spec.VSwitchOptions, Is.EqualTo(DefaultVSwitches));
        });
    }

    [Test]
    public void Fill_OnlyGroupsMissing_VSwitchesKept()
    {
        var pn = PodNetworking("pn", vSwitches: ["vsw-own"]);
        pn.Spec.SecurityGroupIds = null;

        var result = JsonPatchApplier.Apply(pn, PodNetworkingDefaults.Fill(pn, true, DefaultVSwitches, DefaultGroups).Patch);

        Assert.That(result.Spec.VSwitchOptions, Is.EqualTo(new[] { "vsw-own" }));
        Assert.That(result.Spec.SecurityGroupIds, Is.EqualTo(DefaultGroups));
    }

    [Test]
    public void Fill_AllSet_AllowedUnchanged()
    {
        var decision = PodNetworkingDefaults.Fill(PodNetworking("pn"), true, DefaultVSwitches, DefaultGroups);

        Assert.That(decision.Patch, Is.Empty);
        Assert.That(decision.Allowed, Is.True);
    }

    [Test]
    public void Fill_NoDefaults_AllowedUnchangedForValidationToJudge()
    {
        var pn = PodNetworking("pn");
        pn.Spec.SecurityGroupIds = null;

        var decision = PodNetworkingDefaults.Fill(pn, true, [], []);

        Assert.That(decision.Patch, Is.Empty);
        Assert.That(decision.Allowed, Is.True);
    }

    [Test]
    public void Fill_NoSpecInRequest_SpecAdded()
    {
        var pn = new V1Beta1PodNetworking { Metadata = new() { Name = "pn" } };
        var json = System.Text.Json.Nodes.JsonNode.Parse("""{"apiVersion":"network.alibabacloud.com/v1beta1","kind":"PodNetworking","metadata":{"name":"pn"}}""")!;

        var decision = PodNetworkingDefaults.Fill(pn, specPresent: false, DefaultVSwitches, DefaultGroups);
        var result = JsonPatchApplier.Apply(json, decision.Patch);

        Assert.That(result["spec"]!["vSwitchOptions"]!.AsArray().Select(v => v!.GetValue<string>()), Is.EqualTo(DefaultVSwitches));
        Assert.That(result["spec"]!["securityGroupIDs"]!.AsArray().Select(v => v!.GetValue<string>()), Is.EqualTo(DefaultGroups));
    }
}
