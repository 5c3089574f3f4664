using Terway.Crds.V1Beta1;
using Terway.Kube.Client;
using Terway.Operator.Tests.Webhooks.Support;
using static Terway.Operator.Tests.Webhooks.Support.Objects;

namespace Terway.Operator.Tests.Webhooks;

/// <summary>
/// With CRDs that carry no CEL rules (as Terway's own CRDs, when Terway installed them), the validating webhook is
/// what rejects invalid PodNetworkings, end to end through the API emulator.
/// </summary>
[TestFixture]
[Category("Integration")]
public sealed class WebhookValidationWithoutCelTests
{
    private WebhookEnvironment _env = null!;

    [OneTimeSetUp]
    public async Task Start() => _env = await WebhookEnvironment.StartAsync(withCelRules: false);

    [OneTimeTearDown]
    public async Task Stop() => await _env.DisposeAsync();

    [Test]
    public async Task CreatePodNetworking_ElevenSecurityGroups_RejectedByTheWebhookWithTheCount()
    {
        var pn = PodNetworking("eleven", podSelector: MatchLabels(("app", "x")), securityGroups: [.. Enumerable.Range(0, 11).Select(i => $"sg-{i}")]);

        var ex = await Assert.ThrowsAsync<KubeApiException>(() => _env.Admin.CreateAsync(pn));

        Assert.That((int)ex!.StatusCode, Is.EqualTo(422));
        Assert.That(ex.Status?.Message, Is.EqualTo("admission webhook \"terway.validate.k8s.io\" denied the request: PodNetworking eleven is invalid: "
            + "spec.securityGroupIDs: securityGroupIDs must list between 1 and 10 security groups (got 11)"));
    }

    [Test]
    public async Task CreatePodNetworking_NeverWithReleaseAfterAndBadTtl_BothReported()
    {
        var never = PodNetworking("never", podSelector: MatchLabels(("app", "x")), allocation: IPAllocTypes.Fixed, releaseStrategy: ReleaseStrategies.Never, releaseAfter: "5m0s");
        var ttl = PodNetworking("ttl", podSelector: MatchLabels(("app", "x")), allocation: IPAllocTypes.Fixed, releaseStrategy: ReleaseStrategies.Ttl, releaseAfter: "a while");

        var neverEx = await Assert.ThrowsAsync<KubeApiException>(() => _env.Admin.CreateAsync(never));
        var ttlEx = await Assert.ThrowsAsync<KubeApiException>(() => _env.Admin.CreateAsync(ttl));

        Assert.That(neverEx!.Status?.Message, Does.EndWith("PodNetworking never is invalid: spec.allocationType.releaseAfter: releaseAfter must be empty when releaseStrategy is Never"));
        Assert.That(ttlEx!.Status?.Message, Does.EndWith("PodNetworking ttl is invalid: spec.allocationType.releaseAfter: releaseAfter 'a while' is not a Go duration such as 5m0s or 1h30m"));
    }

    [Test]
    public async Task CreatePodNetworking_NoGroupsAndNoDefaults_FilledThenAccepted()
    {
        var pn = PodNetworking("filled", podSelector: MatchLabels(("app", "x")));
        pn.Spec.SecurityGroupIds = [];

        var created = await _env.Admin.CreateAsync(pn);

        Assert.That(created.Spec.SecurityGroupIds, Is.EqualTo(new[] { "sg-default" }), "the mutating webhook runs before validation");
    }
}
