using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace Terway.Operator.Certificates;

/// <summary>
/// The webhook's certificates as stored in the Secret: the CA bundle (the current CA first, then older CAs still
/// trusted while a CA rotation settles), the current CA's key, and the serving certificate and key. All PEM.
/// </summary>
/// <param name="CaCertificatesPem">One or more CA certificates; the first is the CA that signs serving certificates.</param>
/// <param name="CaKeyPem">PKCS#8 private key of the first CA.</param>
/// <param name="ServingCertificatePem">The serving certificate.</param>
/// <param name="ServingKeyPem">PKCS#8 private key of the serving certificate.</param>
internal sealed record CertificateBundle(string CaCertificatesPem, string CaKeyPem, string ServingCertificatePem, string ServingKeyPem)
{
    /// <summary>Secret key of the CA bundle (also what <c>caBundle</c> carries).</summary>
    public const string CaCertificateKey = "ca.crt";

    /// <summary>Secret key of the CA's private key (needed to renew serving certificates without a new CA).</summary>
    public const string CaKeyKey = "ca.key";

    /// <summary>Secret key of the serving certificate (<c>kubernetes.io/tls</c> convention).</summary>
    public const string ServingCertificateKey = "tls.crt";

    /// <summary>Secret key of the serving key (<c>kubernetes.io/tls</c> convention).</summary>
    public const string ServingKeyKey = "tls.key";

    /// <summary>Secret type: a TLS Secret with the CA added, as cert-manager writes them.</summary>
    public const string SecretType = "kubernetes.io/tls";

    /// <summary>The Secret data for this bundle.</summary>
    public Dictionary<string, byte[]> ToSecretData() => new(StringComparer.Ordinal)
    {
        [CaCertificateKey] = Encoding.ASCII.GetBytes(CaCertificatesPem),
        [CaKeyKey] = Encoding.ASCII.GetBytes(CaKeyPem),
        [ServingCertificateKey] = Encoding.ASCII.GetBytes(ServingCertificatePem),
        [ServingKeyKey] = Encoding.ASCII.GetBytes(ServingKeyPem),
    };

    /// <summary>Reads a bundle from Secret data; null when a key is missing or empty.</summary>
    public static CertificateBundle? FromSecretData(IDictionary<string, byte[]>? data)
    {
        if (data is null)
        {
            return null;
        }

        string? Text(string key) => data.TryGetValue(key, out var value) && value is { Length: > 0 } ? Encoding.ASCII.GetString(value) : null;
        var ca = Text(CaCertificateKey);
        var caKey = Text(CaKeyKey);
        var cert = Text(ServingCertificateKey);
        var key = Text(ServingKeyKey);
        return ca is null || caKey is null || cert is null || key is null ? null : new CertificateBundle(ca, caKey, cert, key);
    }
}

/// <summary>A bundle parsed into certificates; owns them.</summary>
internal sealed class ParsedBundle : IDisposable
{
    private ParsedBundle(X509Certificate2Collection cas, X509Certificate2 caWithKey, X509Certificate2 serving)
    {
        CaCertificates = cas;
        CurrentCa = caWithKey;
        Serving = serving;
    }

    /// <summary>Every CA in the bundle, the current one first.</summary>
    public X509Certificate2Collection CaCertificates { get; }

    /// <summary>The current CA with its private key.</summary>
    public X509Certificate2 CurrentCa { get; }

    /// <summary>The serving certificate with its private key.</summary>
    public X509Certificate2 Serving { get; }

    /// <summary>Parses and checks that each key belongs to its certificate; null when anything is unusable.</summary>
    public static ParsedBundle? TryParse(CertificateBundle bundle)
    {
        var cas = new X509Certificate2Collection();
        X509Certificate2? caWithKey = null;
        X509Certificate2? serving = null;
        try
        {
            cas.ImportFromPem(bundle.CaCertificatesPem);
            if (cas.Count == 0)
            {
                Dispose(cas);
                return null;
            }

            caWithKey = X509Certificate2.CreateFromPem(PemOf(cas[0]), bundle.CaKeyPem);
            serving = X509Certificate2.CreateFromPem(bundle.ServingCertificatePem, bundle.ServingKeyPem);
            return new ParsedBundle(cas, caWithKey, serving);
        }
        catch (Exception ex) when (ex is CryptographicException or ArgumentException)
        {
            // Unparsable PEM or a key that does not match its certificate: the caller replaces the bundle.
            Dispose(cas);
            caWithKey?.Dispose();
            serving?.Dispose();
            return null;
        }
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        Dispose(CaCertificates);
        CurrentCa.Dispose();
        Serving.Dispose();
    }

    private static string PemOf(X509Certificate2 cert) => cert.ExportCertificatePem();

    private static void Dispose(X509Certificate2Collection certs)
    {
        foreach (var c in certs)
        {
            c.Dispose();
        }
    }
}
