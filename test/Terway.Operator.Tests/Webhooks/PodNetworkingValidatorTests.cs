using k8s.Models;
using Terway.Crds.V1Beta1;
using Terway.Operator.Webhooks;
using Terway.Operator.Webhooks.PodNetworkings;
using static Terway.Operator.Tests.Webhooks.Support.Objects;

namespace Terway.Operator.Tests.Webhooks;

[TestFixture]
public sealed class PodNetworkingValidatorTests
{
    private static readonly WebhookOptions Options = new() { VpcId = "vpc-1", CloudLookupTimeout = TimeSpan.FromMilliseconds(200) };

    private static V1Beta1PodNetworking Valid(string name = "pn") => PodNetworking(name, podSelector: MatchLabels(("app", "web")), vSwitches: ["vsw-a"]);

    private sealed class FakeLookup(Func<IReadOnlyCollection<string>, CancellationToken, Task<IReadOnlyDictionary<string, VSwitchInfo>>> answer) : IVSwitchLookup
    {
        public List<string> Asked { get; } = [];

        public Task<IReadOnlyDictionary<string, VSwitchInfo>> LookupAsync(IReadOnlyCollection<string> vSwitchIds, CancellationToken cancellationToken)
        {
            Asked.AddRange(vSwitchIds);
            return answer(vSwitchIds, cancellationToken);
        }

        public static FakeLookup Of(params VSwitchInfo[] known) => new((ids, _) =>
            Task.FromResult<IReadOnlyDictionary<string, VSwitchInfo>>(known.Where(k => ids.Contains(k.Id)).ToDictionary(k => k.Id)));
    }

    [Test]
    public async Task Validate_ValidCreate_Allowed()
    {
        var decision = await new PodNetworkingValidator(Options, null).ValidateAsync("CREATE", Valid(), null, default);

        Assert.That(decision.Allowed, Is.True);
        Assert.That(decision.Warnings, Is.Empty);
    }

    [Test]
    public async Task Validate_ElevenSecurityGroups_DeniedWithFieldAndCount()
    {
        var pn = Valid();
        pn.Spec.SecurityGroupIds = [.. Enumerable.Range(1, 11).Select(i => $"sg-{i}")];

        var decision = await new PodNetworkingValidator(Options, null).ValidateAsync("CREATE", pn, null, default);

        Assert.That(decision.Allowed, Is.False);
        Assert.That(decision.Code, Is.EqualTo(422));
        Assert.That(decision.Message, Is.EqualTo("PodNetworking pn is invalid: spec.securityGroupIDs: securityGroupIDs must list between 1 and 10 security groups (got 11)"));
    }

    [TestCase(ReleaseStrategies.Never, "5m", "spec.allocationType.releaseAfter: releaseAfter must be empty when releaseStrategy is Never")]
    [TestCase(ReleaseStrategies.Ttl, "later", "spec.allocationType.releaseAfter: releaseAfter 'later' is not a Go duration")]
    [TestCase(ReleaseStrategies.Ttl, null, "spec.allocationType.releaseAfter")]
    public async Task Validate_ReleaseRules_Denied(string strategy, string? after, string message)
    {
        var pn = Valid();
        pn.Spec.AllocationType = new AllocationType { Type = IPAllocTypes.Fixed, ReleaseStrategy = strategy, ReleaseAfter = after };

        var decision = await new PodNetworkingValidator(Options, null).ValidateAsync("CREATE", pn, null, default);

        Assert.That(decision.Allowed, Is.False);
        Assert.That(decision.Message, Does.Contain(message));
    }

    [Test]
    public async Task Validate_NoVSwitches_Denied()
    {
        var pn = Valid();
        pn.Spec.VSwitchOptions = [];

        var decision = await new PodNetworkingValidator(Options, null).ValidateAsync("CREATE", pn, null, default);

        Assert.That(decision.Message, Does.Contain("spec.vSwitchOptions: vSwitchOptions must list at least one vSwitch"));
    }

    [Test]
    public async Task Validate_SelectorThatDoesNotParse_Denied()
    {
        var pn = Valid();
        pn.Spec.Selector!.NamespaceSelector = new V1LabelSelector { MatchExpressions = [new V1LabelSelectorRequirement { Key = "team", OperatorProperty = "Equals", Values = ["a"] }] };

        var decision = await new PodNetworkingValidator(Options, null).ValidateAsync("CREATE", pn, null, default);

        Assert.That(decision.Message, Does.Contain("spec.selector.namespaceSelector.matchExpressions[0].operator: 'Equals' is not a valid selector operator"));
    }

    [TestCase(true, true)]
    [TestCase(false, false)]
    public async Task Validate_SelectorlessTrunk_DependsOnResourceInjection(bool inject, bool allowed)
    {
        var pn = PodNetworking("pn", eniType: EniAttachTypes.Trunk);

        var decision = await new PodNetworkingValidator(Options with { EnableWebhookInjectResource = inject }, null).ValidateAsync("CREATE", pn, null, default);

        Assert.That(decision.Allowed, Is.EqualTo(allowed));
    }

    [Test]
    public async Task Validate_UnknownVSwitch_DeniedByCloudLookup()
    {
        var pn = Valid();
        pn.Spec.VSwitchOptions = ["vsw-a", "vsw-gone"];
        var lookup = FakeLookup.Of(new VSwitchInfo("vsw-a", "vpc-1", "zone-a"));

        var decision = await new PodNetworkingValidator(Options, lookup).ValidateAsync("CREATE", pn, null, default);

        Assert.That(decision.Allowed, Is.False);
        Assert.That(decision.Message, Does.Contain("spec.vSwitchOptions: vSwitch vsw-gone does not exist"));
    }

    [Test]
    public async Task Validate_VSwitchInAnotherVpc_Denied()
    {
        var lookup = FakeLookup.Of(new VSwitchInfo("vsw-a", "vpc-other", "zone-a"));

        var decision = await new PodNetworkingValidator(Options, lookup).ValidateAsync("CREATE", Valid(), null, default);

        Assert.That(decision.Message, Does.Contain("vSwitch vsw-a is in VPC vpc-other, not in the cluster's VPC vpc-1"));
    }

    [Test]
    public async Task Validate_CloudFails_AllowedWithWarning()
    {
        var lookup = new FakeLookup((_, _) => throw new HttpRequestException("throttled"));

        var decision = await new PodNetworkingValidator(Options, lookup).ValidateAsync("CREATE", Valid(), null, default);

        Assert.That(decision.Allowed, Is.True);
        Assert.That(decision.Warnings.Single(), Does.Contain("not verified (throttled)").And.Length.LessThanOrEqualTo(120));
    }

    [Test]
    public async Task Validate_CloudTooSlow_AllowedWithWarningWithinTheTimeout()
    {
        var lookup = new FakeLookup(async (_, ct) =>
        {
            await Task.Delay(Timeout.Infinite, ct);
            return new Dictionary<string, VSwitchInfo>();
        });

        var decision = await new PodNetworkingValidator(Options, lookup).ValidateAsync("CREATE", Valid(), null, default);

        Assert.That(decision.Allowed, Is.True);
        Assert.That(decision.Warnings.Single(), Does.Contain("no cloud answer in 0.2 s").And.Length.LessThanOrEqualTo(120));
    }

    [Test]
    public async Task Validate_UpdateAddingVSwitch_LooksUpOnlyTheNewOne()
    {
        var old = Valid();
        var updated = Valid();
        updated.Spec.VSwitchOptions = ["vsw-a", "vsw-new"];
        var lookup = FakeLookup.Of(new VSwitchInfo("vsw-new", "vpc-1", "zone-b"));

        var decision = await new PodNetworkingValidator(Options, lookup).ValidateAsync("UPDATE", updated, old, default);

        Assert.That(decision.Allowed, Is.True);
        Assert.That(lookup.Asked, Is.EqualTo(new[] { "vsw-new" }));
    }

    [Test]
    public async Task Validate_UpdateBreakingARule_Denied()
    {
        var updated = Valid();
        updated.Spec.AllocationType = new AllocationType { Type = IPAllocTypes.Fixed, ReleaseStrategy = ReleaseStrategies.Never, ReleaseAfter = "1h" };

        var decision = await new PodNetworkingValidator(Options, null).ValidateAsync("UPDATE", updated, Valid(), default);

        Assert.That(decision.Allowed, Is.False);
    }

    [Test]
    public async Task Validate_UpdateOfAnAlreadyInvalidObject_AllowedWithWarning()
    {
        var old = Valid();
        old.Spec.SecurityGroupIds = [.. Enumerable.Range(1, 12).Select(i => $"sg-{i}")];
        var updated = Valid();
        updated.Spec.SecurityGroupIds = old.Spec.SecurityGroupIds;
        updated.Metadata.Labels = new Dictionary<string, string> { ["owner"] = "me" };

        var decision = await new PodNetworkingValidator(Options, null).ValidateAsync("UPDATE", updated, old, default);

        Assert.That(decision.Allowed, Is.True);
        Assert.That(decision.Warnings, Has.Some.Contains("(unchanged by this update)"));
    }

    [Test]
    public async Task Validate_UpdateChangingAllocationType_AllowedWithWarning()
    {
        var old = Valid();
        old.Spec.AllocationType = new AllocationType { Type = IPAllocTypes.Fixed, ReleaseStrategy = ReleaseStrategies.Never };
        var updated = Valid();

        var decision = await new PodNetworkingValidator(Options, null).ValidateAsync("UPDATE", updated, old, default);

        Assert.That(decision.Allowed, Is.True);
        Assert.That(decision.Warnings.Single(), Is.EqualTo("spec.allocationType.type Fixed -> Elastic: applies to pods created from now on; existing PodENIs keep theirs"));
    }

    [Test]
    public void UpdateWarnings_OtherNewPodOnlyFields_OneShortWarningEach()
    {
        var old = Valid();
        var updated = Valid();
        updated.Spec.SecurityGroupIds = ["sg-other"];
        updated.Spec.Selector = new PodNetworkingSelector { PodSelector = MatchLabels(("app", "api")) };
        updated.Spec.AllocationType = new AllocationType { Type = IPAllocTypes.Elastic };

        var warnings = PodNetworkingValidator.UpdateWarnings(old, updated);

        Assert.That(warnings, Is.EqualTo(new[]
        {
            "spec.allocationType changed: applies to pods created from now on; running pods keep theirs",
            "spec.securityGroupIDs changed: applies to pods created from now on; running pods keep theirs",
            "spec.selector changed: applies to pods created from now on; running pods keep theirs",
        }));
        Assert.That(warnings, Has.All.Length.LessThanOrEqualTo(120));
    }

    [Test]
    public void UpdateWarnings_NothingRelevantChanged_None() =>
        Assert.That(PodNetworkingValidator.UpdateWarnings(Valid(), Valid()), Is.Empty);
}
