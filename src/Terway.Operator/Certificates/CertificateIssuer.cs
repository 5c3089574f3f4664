using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace Terway.Operator.Certificates;

/// <summary>
/// Creates the self-signed CA and serving certificates. ECDSA P-256: every API server accepts it, and keys are
/// made in microseconds where Terway's RSA-4096 takes seconds.
/// </summary>
internal static class CertificateIssuer
{
    /// <summary>Certificates start this long before "now", so a replica or API server whose clock is behind accepts them.</summary>
    public static readonly TimeSpan ClockSkewAllowance = TimeSpan.FromHours(1);

    private const string ServerAuthOid = "1.3.6.1.5.5.7.3.1";

    /// <summary>A new CA valid from now (less the skew allowance) for <paramref name="validity"/>.</summary>
    public static (string CertificatePem, string KeyPem) CreateCa(string commonName, DateTimeOffset now, TimeSpan validity)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(new X500DistinguishedName("CN=" + commonName), key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, true, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign | X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        var notBefore = now - ClockSkewAllowance;
        using var ca = request.CreateSelfSigned(notBefore, now + validity);
        return (ca.ExportCertificatePem(), key.ExportPkcs8PrivateKeyPem());
    }

    /// <summary>
    /// A serving certificate for <paramref name="names"/> (DNS names, or IP literals as IP SANs) signed by
    /// <paramref name="ca"/>, valid for <paramref name="validity"/> but never past the CA.
    /// </summary>
    public static (string CertificatePem, string KeyPem) IssueServing(X509Certificate2 ca, IReadOnlyList<string> names, DateTimeOffset now, TimeSpan validity)
    {
        ArgumentOutOfRangeException.ThrowIfZero(names.Count);
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(new X500DistinguishedName("CN=" + names[0]), key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid(ServerAuthOid)], false));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(ca, includeKeyIdentifier: true, includeIssuerAndSerial: false));
        var san = new SubjectAlternativeNameBuilder();
        foreach (var name in names)
        {
            if (IPAddress.TryParse(name, out var ip))
            {
                san.AddIpAddress(ip);
            }
            else
            {
                san.AddDnsName(name);
            }
        }

        request.CertificateExtensions.Add(san.Build());
        var caNotBefore = new DateTimeOffset(ca.NotBefore);
        var caNotAfter = new DateTimeOffset(ca.NotAfter);
        var notBefore = Max(now - ClockSkewAllowance, caNotBefore);
        var notAfter = Min(now + validity, caNotAfter);
        using var cert = request.Create(ca, notBefore, notAfter, NewSerial());
        return (cert.ExportCertificatePem(), key.ExportPkcs8PrivateKeyPem());
    }

    /// <summary>The names a serving certificate must carry: the Service's DNS names, then the extras.</summary>
    public static IReadOnlyList<string> ServingNames(string service, string @namespace, string clusterDomain, IEnumerable<string> extra)
    {
        var names = new List<string> { $"{service}.{@namespace}.svc", $"{service}.{@namespace}.svc.{clusterDomain}", $"{service}.{@namespace}", service };
        foreach (var name in extra)
        {
            var trimmed = IPAddress.TryParse(name.Trim(), out var ip) ? ip.ToString() : name.Trim();
            if (trimmed.Length > 0 && !names.Contains(trimmed, StringComparer.OrdinalIgnoreCase))
            {
                names.Add(trimmed);
            }
        }

        return names;
    }

    /// <summary>The DNS names and IP literals in a certificate's subject alternative names.</summary>
    public static HashSet<string> NamesOf(X509Certificate2 cert)
    {
        var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var ext in cert.Extensions.OfType<X509SubjectAlternativeNameExtension>())
        {
            names.UnionWith(ext.EnumerateDnsNames());
            names.UnionWith(ext.EnumerateIPAddresses().Select(ip => ip.ToString()));
        }

        return names;
    }

    /// <summary>PEM text of several certificates, in order.</summary>
    public static string JoinPem(IEnumerable<X509Certificate2> certs)
    {
        var text = new StringBuilder();
        foreach (var cert in certs)
        {
            text.Append(cert.ExportCertificatePem()).Append('\n');
        }

        return text.ToString();
    }

    private static byte[] NewSerial()
    {
        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7F;
        serial[0] |= 0x01;
        return serial;
    }

    private static DateTimeOffset Max(DateTimeOffset a, DateTimeOffset b) => a > b ? a : b;

    private static DateTimeOffset Min(DateTimeOffset a, DateTimeOffset b) => a < b ? a : b;
}
