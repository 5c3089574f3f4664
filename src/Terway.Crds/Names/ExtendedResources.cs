namespace Terway.Crds.Names;

/// <summary>Extended resources on nodes and in pod requests/limits.</summary>
public static class ExtendedResources
{
    /// <summary>Exclusive ENIs a node can give pods.</summary>
    public const string Eni = "aliyun/eni";

    /// <summary>Member ENIs a node's trunk ENI can carry.</summary>
    public const string MemberEni = "aliyun/member-eni";

    /// <summary>eRDMA ENIs.</summary>
    public const string Erdma = "aliyun/erdma";
}
