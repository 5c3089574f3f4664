using System.Runtime.CompilerServices;
using Terway.Cloud.Errors;

namespace Terway.Cloud.Transport;

/// <summary>Async enumeration over paged Describe calls.</summary>
internal static class Paging
{
    /// <summary>Follows <c>NextToken</c> until it is empty. A token that repeats would loop forever, so it is an error.</summary>
    public static async IAsyncEnumerable<T> ByToken<T>(
        string api,
        string? firstToken,
        Func<string?, CancellationToken, Task<CloudPage<T>>> fetch,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var token = firstToken;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        while (true)
        {
            var page = await fetch(token, cancellationToken).ConfigureAwait(false);
            foreach (var item in page.Items)
            {
                yield return item;
            }

            if (string.IsNullOrEmpty(page.NextToken))
            {
                yield break;
            }

            if (!seen.Add(page.NextToken))
            {
                throw new CloudApiException(api, CloudErrorKind.MalformedResponse, ClientErrorCodes.MalformedResponse, $"NextToken '{page.NextToken}' repeated; paging would not end", requestId: page.RequestId);
            }

            token = page.NextToken;
        }
    }

    /// <summary>Walks <c>PageNumber</c> from 1 until <c>TotalCount</c> items were seen or a page is short.</summary>
    public static async IAsyncEnumerable<T> ByPageNumber<T>(
        int pageSize,
        Func<int, CancellationToken, Task<CloudPage<T>>> fetch,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var seen = 0;
        for (var pageNumber = 1; ; pageNumber++)
        {
            var page = await fetch(pageNumber, cancellationToken).ConfigureAwait(false);
            foreach (var item in page.Items)
            {
                yield return item;
            }

            seen += page.Items.Count;
            if (page.Items.Count == 0 || page.Items.Count < pageSize || (page.TotalCount is { } total && seen >= total))
            {
                yield break;
            }
        }
    }
}
