using System.Security.Cryptography.X509Certificates;

namespace Terway.Operator.Certificates;

/// <summary>What the stored certificates need.</summary>
internal enum CertificateAction
{
    /// <summary>Everything is valid, current and covers the names.</summary>
    Keep,

    /// <summary>Only CAs that have expired are dropped from the bundle.</summary>
    PruneExpiredCas,

    /// <summary>A new serving certificate from the same CA (due for renewal, expired, wrong names, or not from the current CA).</summary>
    ReissueServing,

    /// <summary>A new CA (the old one is due for renewal) and a new serving certificate; the old CA stays in the bundle until it expires.</summary>
    RotateCa,

    /// <summary>Nothing usable is stored: a new CA and serving certificate.</summary>
    CreateAll,
}

/// <summary>The renewal policy.</summary>
/// <param name="CaValidity">Lifetime of a new CA.</param>
/// <param name="ServingValidity">Lifetime of a new serving certificate.</param>
/// <param name="RenewAtLifetimeFraction">Renew once this fraction of a certificate's lifetime has passed.</param>
internal sealed record CertificatePolicy(TimeSpan CaValidity, TimeSpan ServingValidity, double RenewAtLifetimeFraction)
{
    /// <summary>When a certificate valid from <paramref name="notBefore"/> to <paramref name="notAfter"/> is due for renewal.</summary>
    public DateTimeOffset RenewalTime(DateTimeOffset notBefore, DateTimeOffset notAfter) =>
        notBefore + ((notAfter - notBefore) * Math.Clamp(RenewAtLifetimeFraction, 0.05, 1.0));
}

/// <summary>Decides what to do with the stored certificates, and carries it out; pure apart from key generation.</summary>
internal static class CertificatePlanner
{
    /// <summary>What <paramref name="bundle"/> needs at <paramref name="now"/> to serve <paramref name="names"/>.</summary>
    public static CertificateAction Evaluate(CertificateBundle? bundle, IReadOnlyList<string> names, DateTimeOffset now, CertificatePolicy policy)
    {
        if (bundle is null)
        {
            return CertificateAction.CreateAll;
        }

        using var parsed = ParsedBundle.TryParse(bundle);
        if (parsed is null)
        {
            return CertificateAction.CreateAll;
        }

        var ca = parsed.CurrentCa;
        var caFrom = new DateTimeOffset(ca.NotBefore);
        var caTo = new DateTimeOffset(ca.NotAfter);
        if (!IsCa(ca) || now >= caTo)
        {
            return CertificateAction.CreateAll;
        }

        if (now >= policy.RenewalTime(caFrom, caTo))
        {
            return CertificateAction.RotateCa;
        }

        var serving = parsed.Serving;
        var servingTo = new DateTimeOffset(serving.NotAfter);
        if (now >= servingTo
            || now >= policy.RenewalTime(new DateTimeOffset(serving.NotBefore), servingTo)
            || !IsSignedBy(serving, ca, now)
            || !NamesCover(serving, names))
        {
            return CertificateAction.ReissueServing;
        }

        return parsed.CaCertificates.Skip(1).Any(old => now >= new DateTimeOffset(old.NotAfter))
            ? CertificateAction.PruneExpiredCas
            : CertificateAction.Keep;
    }

    /// <summary>The bundle after <paramref name="action"/>; the same instance for <see cref="CertificateAction.Keep"/>.</summary>
    public static CertificateBundle Apply(CertificateAction action, CertificateBundle? bundle, string caCommonName, IReadOnlyList<string> names, DateTimeOffset now, CertificatePolicy policy)
    {
        switch (action)
        {
            case CertificateAction.Keep:
                return bundle ?? throw new ArgumentNullException(nameof(bundle));
            case CertificateAction.CreateAll:
                return CreateAll(caCommonName, names, now, policy);
        }

        using var parsed = ParsedBundle.TryParse(bundle ?? throw new ArgumentNullException(nameof(bundle)))
            ?? throw new ArgumentException("the bundle is not usable; use CreateAll", nameof(bundle));
        var stillValid = parsed.CaCertificates.Where(c => now < new DateTimeOffset(c.NotAfter)).ToList();
        switch (action)
        {
            case CertificateAction.PruneExpiredCas:
                return bundle with { CaCertificatesPem = CertificateIssuer.JoinPem(stillValid) };
            case CertificateAction.ReissueServing:
            {
                var (cert, key) = CertificateIssuer.IssueServing(parsed.CurrentCa, names, now, policy.ServingValidity);
                return new CertificateBundle(CertificateIssuer.JoinPem(stillValid), bundle.CaKeyPem, cert, key);
            }

            case CertificateAction.RotateCa:
            {
                var (caPem, caKey) = CertificateIssuer.CreateCa(caCommonName, now, policy.CaValidity);
                using var newCa = X509Certificate2.CreateFromPem(caPem, caKey);
                var (cert, key) = CertificateIssuer.IssueServing(newCa, names, now, policy.ServingValidity);

                // Replicas still serving a certificate from the old CA stay trusted until they reload.
                return new CertificateBundle(caPem + "\n" + CertificateIssuer.JoinPem(stillValid), caKey, cert, key);
            }

            default:
                throw new ArgumentOutOfRangeException(nameof(action), action, "unknown certificate action");
        }
    }

    private static CertificateBundle CreateAll(string caCommonName, IReadOnlyList<string> names, DateTimeOffset now, CertificatePolicy policy)
    {
        var (caPem, caKey) = CertificateIssuer.CreateCa(caCommonName, now, policy.CaValidity);
        using var ca = X509Certificate2.CreateFromPem(caPem, caKey);
        var (cert, key) = CertificateIssuer.IssueServing(ca, names, now, policy.ServingValidity);
        return new CertificateBundle(caPem + "\n", caKey, cert, key);
    }

    private static bool IsCa(X509Certificate2 cert) =>
        cert.Extensions.OfType<X509BasicConstraintsExtension>().Any(b => b.CertificateAuthority);

    private static bool IsSignedBy(X509Certificate2 serving, X509Certificate2 ca, DateTimeOffset now)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(ca);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.VerificationTime = now.UtcDateTime;
        return chain.Build(serving);
    }

    private static bool NamesCover(X509Certificate2 serving, IReadOnlyList<string> names)
    {
        var present = CertificateIssuer.NamesOf(serving);
        return names.All(present.Contains);
    }
}
