using System.Text.Json;
using Microsoft.Extensions.Logging;
using Terway.Cloud.Errors;
using Terway.Cloud.Json;
using Terway.Cloud.Metadata;

namespace Terway.Cloud.Credentials;

/// <summary>
/// The instance's RAM role from IMDS (IMDSv2): role name from configuration or <c>ram/security-credentials/</c>,
/// then <c>ram/security-credentials/&lt;role&gt;</c> → <c>AccessKeyId</c>, <c>AccessKeySecret</c>, <c>SecurityToken</c>,
/// <c>Expiration</c>, <c>Code=Success</c>.
/// </summary>
internal sealed class EcsRamRoleCredentialProvider(IInstanceMetadataClient metadata, string? roleName, TimeProvider time, ILogger logger, TimeSpan refreshMargin)
    : RefreshingCredentialProvider(time, logger, refreshMargin)
{
    private string? _roleName = roleName;

    public override string Name => "ecs-ram-role";

    protected override async Task<CloudCredential> FetchAsync(CancellationToken cancellationToken)
    {
        try
        {
            var role = _roleName;
            if (string.IsNullOrEmpty(role))
            {
                role = await metadata.GetValueAsync(MetadataPaths.RamSecurityCredentials, cancellationToken).ConfigureAwait(false);
                if (string.IsNullOrEmpty(role))
                {
                    throw new CloudCredentialException(Name, "the instance has no RAM role attached");
                }

                _roleName = role;
            }

            var json = await metadata.GetAsync(MetadataPaths.RamSecurityCredentials + role, cancellationToken).ConfigureAwait(false)
                ?? throw new CloudCredentialException(Name, $"RAM role '{role}' not found in instance metadata");
            try
            {
                using var doc = JsonDocument.Parse(json);
                var root = doc.RootElement;
                var code = root.Str("Code");
                if (!string.Equals(code, "Success", StringComparison.Ordinal))
                {
                    throw new CloudCredentialException(Name, $"metadata credentials of role '{role}' have Code '{code}'");
                }

                return new CloudCredential(root.RequireStr("AccessKeyId"), root.RequireStr("AccessKeySecret"), root.RequireStr("SecurityToken"), root.Time("Expiration") ?? throw new Json.MissingFieldException("Expiration"), Name);
            }
            catch (Exception ex) when (ex is JsonException or FormatException or ArgumentException)
            {
                // The body carries the secret; only the exception type is reported.
                throw new CloudCredentialException(Name, $"metadata credentials of role '{role}' are unreadable ({ex.GetType().Name})");
            }
        }
        catch (CloudApiException ex)
        {
            throw new CloudCredentialException(Name, $"instance metadata failed: {ex.Code}: {ex.ServerMessage}", ex);
        }
    }
}
