namespace Terway.Crds;

/// <summary>
/// The API group and version every Terway custom resource lives in.
/// </summary>
public static class NetworkGroup
{
    /// <summary>The API group, <c>network.alibabacloud.com</c>.</summary>
    public const string Name = "network.alibabacloud.com";

    /// <summary>The only served and stored version, <c>v1beta1</c>.</summary>
    public const string Version = "v1beta1";

    /// <summary>The <c>apiVersion</c> field value, <c>network.alibabacloud.com/v1beta1</c>.</summary>
    public const string ApiVersion = Name + "/" + Version;
}
