namespace Terway.Cloud.Metadata;

/// <summary>The ECS instance metadata service (IMDS, reference §6), always in IMDSv2 (token) mode.</summary>
public interface IInstanceMetadataClient
{
    /// <summary>GETs <c>/latest/meta-data/&lt;path&gt;</c>; null when the item does not exist (404).</summary>
    /// <param name="path">Path under <c>/latest/meta-data/</c>, e.g. <c>region-id</c>.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    Task<string?> GetAsync(string path, CancellationToken cancellationToken = default);

    /// <summary>The first line of a plain-text item, trimmed of <c>/</c>; throws if absent.</summary>
    /// <param name="path">Path under <c>/latest/meta-data/</c>.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    Task<string> GetValueAsync(string path, CancellationToken cancellationToken = default);
}

/// <summary>Metadata paths the system reads.</summary>
public static class MetadataPaths
{
    /// <summary>Region ID.</summary>
    public const string RegionId = "region-id";

    /// <summary>Zone ID.</summary>
    public const string ZoneId = "zone-id";

    /// <summary>Instance ID.</summary>
    public const string InstanceId = "instance-id";

    /// <summary>Instance type.</summary>
    public const string InstanceType = "instance/instance-type";

    /// <summary>VPC ID.</summary>
    public const string VpcId = "vpc-id";

    /// <summary>Primary vSwitch ID.</summary>
    public const string VSwitchId = "vswitch-id";

    /// <summary>RAM role list; the single entry is the attached role.</summary>
    public const string RamSecurityCredentials = "ram/security-credentials/";
}
