using System.Text.Json.Nodes;
using Terway.Sandbox.Cloud.Model;

namespace Terway.Sandbox.Cloud.Api;

/// <summary>The two OpenAPI products the simulator serves.</summary>
internal enum CloudProduct
{
    /// <summary>ECS, version 2014-05-26.</summary>
    Ecs,

    /// <summary>VPC, version 2016-04-28.</summary>
    Vpc,
}

/// <summary>One operation: its product, name, handler and idempotency/conflict behaviour.</summary>
/// <param name="Product">ECS or VPC.</param>
/// <param name="Action">The action name.</param>
/// <param name="Handler">Fills the response object (which already holds RequestId) or throws.</param>
/// <param name="AcceptsClientToken">The operation honours ClientToken.</param>
/// <param name="ConflictKey">A resource key: a second call on the same key while one is in flight gets <c>Operation.Conflict</c>.</param>
internal sealed record ApiOperation(
    CloudProduct Product,
    string Action,
    Action<ApiCall, JsonObject> Handler,
    bool AcceptsClientToken = false,
    Func<ApiParameters, string?>? ConflictKey = null);

/// <summary>What a handler works with.</summary>
internal sealed class ApiCall(ApiParameters parameters, RegionModel model, string ownerId)
{
    public ApiParameters P { get; } = parameters;

    public RegionModel Model { get; } = model;

    public string OwnerId { get; } = ownerId;

    public string RegionId => Model.RegionId;

    /// <summary>RegionId is required and must name this region.</summary>
    public void RequireRegion() => CheckRegion(P.Required("RegionId"));

    /// <summary>RegionId is optional but, when given, must name this region.</summary>
    public void CheckRegionIfGiven()
    {
        if (P.Get("RegionId") is { } r)
        {
            CheckRegion(r);
        }
    }

    private void CheckRegion(string regionId)
    {
        if (regionId != Model.RegionId)
        {
            throw CloudErrors.InvalidRegionId(regionId);
        }
    }
}

/// <summary>All operations, by product and action.</summary>
internal static class ApiCatalog
{
    public const string EcsVersion = "2014-05-26";
    public const string VpcVersion = "2016-04-28";

    private static readonly Dictionary<(CloudProduct, string), ApiOperation> Operations =
        EcsApi.Operations.Concat(VpcApi.Operations).ToDictionary(o => (o.Product, o.Action));

    public static IEnumerable<ApiOperation> All => Operations.Values;

    public static CloudProduct? ProductOfVersion(string version) => version switch
    {
        EcsVersion => CloudProduct.Ecs,
        VpcVersion => CloudProduct.Vpc,
        _ => null,
    };

    public static ApiOperation? Find(CloudProduct product, string action) => Operations.GetValueOrDefault((product, action));
}
