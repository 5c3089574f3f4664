using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Terway.Sandbox.KubeApi.Tls;

/// <summary>
/// A self-signed CA and the serving certificate it signs (loopback names), generated at start
/// or loaded from a state folder so kubeconfigs stay valid across restarts.
/// </summary>
internal sealed class CertificateAuthority : IDisposable
{
    private CertificateAuthority(X509Certificate2 ca)
    {
        Ca = ca;
    }

    public X509Certificate2 Ca { get; }

    public string CaPem => Ca.ExportCertificatePem();

    public static CertificateAuthority LoadOrCreate(string? stateDir)
    {
        if (stateDir != null)
        {
            var crt = Path.Combine(stateDir, "ca.crt");
            var key = Path.Combine(stateDir, "ca.key");
            if (File.Exists(crt) && File.Exists(key))
            {
                return new CertificateAuthority(X509Certificate2.CreateFromPemFile(crt, key));
            }
        }

        using var ecdsa = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var req = new CertificateRequest("CN=terway-kube-api-emulator-ca", ecdsa, HashAlgorithmName.SHA256);
        req.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        req.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign | X509KeyUsageFlags.DigitalSignature, true));
        req.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(req.PublicKey, false));
        var ca = req.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddYears(10));
        if (stateDir != null)
        {
            Directory.CreateDirectory(stateDir);
            File.WriteAllText(Path.Combine(stateDir, "ca.crt"), ca.ExportCertificatePem());
            File.WriteAllText(Path.Combine(stateDir, "ca.key"), ca.GetECDsaPrivateKey()!.ExportPkcs8PrivateKeyPem());
        }

        return new CertificateAuthority(ca);
    }

    /// <summary>A serving certificate for the loopback names and <paramref name="extraHosts"/>.</summary>
    public X509Certificate2 IssueServing(IEnumerable<string> extraHosts)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var req = new CertificateRequest("CN=kube-apiserver", key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        san.AddDnsName("localhost");
        san.AddDnsName("kubernetes");
        san.AddDnsName("kubernetes.default");
        san.AddDnsName("kubernetes.default.svc");
        san.AddIpAddress(IPAddress.Loopback);
        san.AddIpAddress(IPAddress.IPv6Loopback);
        foreach (var h in extraHosts.Distinct())
        {
            if (IPAddress.TryParse(h, out var ip))
            {
                if (!IPAddress.IsLoopback(ip))
                {
                    san.AddIpAddress(ip);
                }
            }
            else if (h != "localhost")
            {
                san.AddDnsName(h);
            }
        }

        req.CertificateExtensions.Add(san.Build());
        req.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, false));
        req.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment, true));
        req.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7f;
        using var signed = req.Create(Ca, DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddYears(2), serial);
        using var withKey = signed.CopyWithPrivateKey(key);
        // Round-trip through PKCS#12 so SslStream gets a certificate with a usable persisted key.
        return X509CertificateLoader.LoadPkcs12(withKey.Export(X509ContentType.Pkcs12), null);
    }

    public void Dispose() => Ca.Dispose();
}
