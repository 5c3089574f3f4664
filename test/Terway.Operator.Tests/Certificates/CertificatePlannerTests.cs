using System.Security.Cryptography.X509Certificates;
using Terway.Operator.Certificates;

namespace Terway.Operator.Tests.Certificates;

[TestFixture]
internal sealed class CertificatePlannerTests
{
    private static readonly DateTimeOffset T0 = new(2030, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly CertificatePolicy Policy = new(TimeSpan.FromDays(300), TimeSpan.FromDays(30), 2.0 / 3.0);
    private static readonly IReadOnlyList<string> Names = CertificateIssuer.ServingNames("svc", "ns", "cluster.local", ["127.0.0.1"]);

    private static CertificateBundle Fresh(DateTimeOffset at) => CertificatePlanner.Apply(CertificateAction.CreateAll, null, "svc-ca", Names, at, Policy);

    [Test]
    public void ServingNames_ServiceNamesThenExtrasNormalized() =>
        Assert.That(CertificateIssuer.ServingNames("svc", "ns", "cluster.local", ["127.0.0.1", " svc.ns.svc ", "::0001", "extra.example"]),
            Is.EqualTo(new[] { "svc.ns.svc", "svc.ns.svc.cluster.local", "svc.ns", "svc", "127.0.0.1", "::1", "extra.example" }));

    [Test]
    public void Evaluate_Nothing_CreateAll() =>
        Assert.That(CertificatePlanner.Evaluate(null, Names, T0, Policy), Is.EqualTo(CertificateAction.CreateAll));

    [Test]
    public void Evaluate_GarbagePem_CreateAll() =>
        Assert.That(CertificatePlanner.Evaluate(new CertificateBundle("x", "y", "z", "w"), Names, T0, Policy), Is.EqualTo(CertificateAction.CreateAll));

    [Test]
    public void Evaluate_KeyOfAnotherCertificate_CreateAll()
    {
        var a = Fresh(T0);
        var b = Fresh(T0);

        Assert.That(CertificatePlanner.Evaluate(a with { ServingKeyPem = b.ServingKeyPem }, Names, T0, Policy), Is.EqualTo(CertificateAction.CreateAll));
    }

    [Test]
    public void CreateAll_ServingCertificateChainsToCaAndCoversNames()
    {
        var bundle = Fresh(T0);

        using var parsed = ParsedBundle.TryParse(bundle)!;
        Assert.Multiple(() =>
        {
            Assert.That(CertificatePlanner.Evaluate(bundle, Names, T0, Policy), Is.EqualTo(CertificateAction.Keep));
            Assert.That(CertificateIssuer.NamesOf(parsed.Serving), Is.SupersetOf(Names));
            Assert.That(parsed.Serving.Issuer, Is.EqualTo(parsed.CurrentCa.Subject));
            Assert.That(parsed.Serving.HasPrivateKey, Is.True);
            Assert.That(parsed.Serving.Extensions.OfType<X509EnhancedKeyUsageExtension>().Single().EnhancedKeyUsages[0].Value, Is.EqualTo("1.3.6.1.5.5.7.3.1"));
            Assert.That(parsed.CurrentCa.Extensions.OfType<X509BasicConstraintsExtension>().Single().CertificateAuthority, Is.True);
            Assert.That(new DateTimeOffset(parsed.Serving.NotAfter), Is.EqualTo(T0 + Policy.ServingValidity));
            Assert.That(new DateTimeOffset(parsed.Serving.NotBefore), Is.EqualTo(T0 - CertificateIssuer.ClockSkewAllowance));
        });
    }

    [TestCase(19, CertificateAction.Keep)]
    [TestCase(21, CertificateAction.ReissueServing)]
    [TestCase(31, CertificateAction.ReissueServing)]
    public void Evaluate_ServingAge_RenewedAfterTwoThirdsOfItsLife(int days, CertificateAction expected) =>
        Assert.That(CertificatePlanner.Evaluate(Fresh(T0), Names, T0.AddDays(days), Policy), Is.EqualTo(expected));

    [Test]
    public void ReissueServing_SameCaNewCertificateThenKeep()
    {
        var bundle = Fresh(T0);
        var now = T0.AddDays(25);

        var renewed = CertificatePlanner.Apply(CertificateAction.ReissueServing, bundle, "svc-ca", Names, now, Policy);

        Assert.Multiple(() =>
        {
            Assert.That(renewed.CaKeyPem, Is.EqualTo(bundle.CaKeyPem));
            Assert.That(renewed.CaCertificatesPem.Trim(), Is.EqualTo(bundle.CaCertificatesPem.Trim()));
            Assert.That(renewed.ServingCertificatePem, Is.Not.EqualTo(bundle.ServingCertificatePem));
            Assert.That(CertificatePlanner.Evaluate(renewed, Names, now, Policy), Is.EqualTo(CertificateAction.Keep));
        });
    }

    [Test]
    public void Evaluate_NewNameRequired_ReissueServing()
    {
        var names = Names.Append("10.0.0.7").ToList();

        Assert.That(CertificatePlanner.Evaluate(Fresh(T0), names, T0, Policy), Is.EqualTo(CertificateAction.ReissueServing));
    }

    [Test]
    public void Evaluate_ServingFromAnotherCa_ReissueServing()
    {
        var a = Fresh(T0);
        var b = Fresh(T0);

        Assert.That(CertificatePlanner.Evaluate(a with { ServingCertificatePem = b.ServingCertificatePem, ServingKeyPem = b.ServingKeyPem }, Names, T0, Policy),
            Is.EqualTo(CertificateAction.ReissueServing));
    }

    [Test]
    public void RotateCa_NewCaFirstOldCaKeptServingFromNewCa()
    {
        var bundle = Fresh(T0);
        var now = T0.AddDays(201);
        Assert.That(CertificatePlanner.Evaluate(bundle, Names, now, Policy), Is.EqualTo(CertificateAction.RotateCa));

        var rotated = CertificatePlanner.Apply(CertificateAction.RotateCa, bundle, "svc-ca", Names, now, Policy);

        using var parsed = ParsedBundle.TryParse(rotated)!;
        using var old = ParsedBundle.TryParse(bundle)!;
        Assert.Multiple(() =>
        {
            Assert.That(parsed.CaCertificates, Has.Count.EqualTo(2));
            Assert.That(parsed.CaCertificates[1].Thumbprint, Is.EqualTo(old.CurrentCa.Thumbprint));
            Assert.That(parsed.CurrentCa.Thumbprint, Is.Not.EqualTo(old.CurrentCa.Thumbprint));
            Assert.That(CertificatePlanner.Evaluate(rotated, Names, now, Policy), Is.EqualTo(CertificateAction.Keep));
        });
    }

    [Test]
    public void Evaluate_OldCaExpired_PrunedFromTheBundle()
    {
        var policy = Policy with { ServingValidity = TimeSpan.FromDays(200) };
        var rotated = CertificatePlanner.Apply(CertificateAction.RotateCa, Fresh(T0), "svc-ca", Names, T0.AddDays(201), policy);
        var now = T0.AddDays(300.5);

        Assert.That(CertificatePlanner.Evaluate(rotated, Names, now, policy), Is.EqualTo(CertificateAction.PruneExpiredCas));
        var pruned = CertificatePlanner.Apply(CertificateAction.PruneExpiredCas, rotated, "svc-ca", Names, now, policy);
        using var parsed = ParsedBundle.TryParse(pruned)!;
        Assert.That(parsed.CaCertificates, Has.Count.EqualTo(1));
        Assert.That(pruned.ServingCertificatePem, Is.EqualTo(rotated.ServingCertificatePem));
        Assert.That(CertificatePlanner.Evaluate(pruned, Names, now, policy), Is.EqualTo(CertificateAction.Keep));
    }

    [Test]
    public void Evaluate_CaExpired_CreateAll() =>
        Assert.That(CertificatePlanner.Evaluate(Fresh(T0), Names, T0.AddDays(301), Policy), Is.EqualTo(CertificateAction.CreateAll));

    [Test]
    public void IssueServing_NeverOutlivesTheCa()
    {
        var policy = new CertificatePolicy(TimeSpan.FromDays(10), TimeSpan.FromDays(30), 2.0 / 3.0);

        var bundle = CertificatePlanner.Apply(CertificateAction.CreateAll, null, "svc-ca", Names, T0, policy);

        using var parsed = ParsedBundle.TryParse(bundle)!;
        Assert.That(parsed.Serving.NotAfter, Is.EqualTo(parsed.CurrentCa.NotAfter));
    }

    [Test]
    public void SecretData_RoundTrips()
    {
        var bundle = Fresh(T0);

        Assert.That(CertificateBundle.FromSecretData(bundle.ToSecretData()), Is.EqualTo(bundle));
        Assert.That(CertificateBundle.FromSecretData(new Dictionary<string, byte[]> { ["tls.crt"] = [1] }), Is.Null);
    }
}
