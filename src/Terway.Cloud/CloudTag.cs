namespace Terway.Cloud;

/// <summary>A resource tag. Requests send it as <c>Tag.N.Key</c>/<c>Tag.N.Value</c>; ECS returns <c>TagKey</c>/<c>TagValue</c>, VPC <c>Key</c>/<c>Value</c>.</summary>
/// <param name="Key">Tag key.</param>
/// <param name="Value">Tag value (may be empty).</param>
public readonly record struct CloudTag(string Key, string Value);

/// <summary>One page of a paged Describe call.</summary>
/// <typeparam name="T">Item type.</typeparam>
/// <param name="Items">Items on this page.</param>
/// <param name="NextToken">Token for the next page; null or empty on the last page (token-paged APIs).</param>
/// <param name="TotalCount">Total number of items (page-number-paged APIs), or null.</param>
/// <param name="RequestId">Server request ID.</param>
public sealed record CloudPage<T>(IReadOnlyList<T> Items, string? NextToken, int? TotalCount, string? RequestId);
