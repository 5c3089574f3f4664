namespace Terway.Cloud.Transport;

/// <summary>An Alibaba Cloud product: endpoint prefix and API version.</summary>
internal sealed record CloudProduct(string Code, string Version)
{
    public static readonly CloudProduct Ecs = new("ecs", "2014-05-26");
    public static readonly CloudProduct Vpc = new("vpc", "2016-04-28");
}
