using Microsoft.Extensions.Logging;

namespace Terway.Sandbox.KubeApi;

/// <summary>How to run a <see cref="KubeApiEmulator"/>.</summary>
public sealed class KubeApiEmulatorOptions
{
    /// <summary>IP address to listen on (loopback by default).</summary>
    public string ListenAddress { get; init; } = "127.0.0.1";

    /// <summary>TCP port; 0 picks a free one.</summary>
    public int Port { get; init; }

    /// <summary>Folder holding the CA key and certificate and the admin token, so restarts keep kubeconfigs valid; null keeps nothing.</summary>
    public string? StateDirectory { get; init; }

    /// <summary>How many past events the watch window keeps; older resourceVersions answer 410 Expired.</summary>
    public int EventHistorySize { get; init; } = 10_000;

    /// <summary>How often a watch with <c>allowWatchBookmarks</c> gets a BOOKMARK.</summary>
    public TimeSpan BookmarkInterval { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>Delay before a new CRD is Established and served (asynchronous, like the real controllers).</summary>
    public TimeSpan CrdEstablishDelay { get; init; } = TimeSpan.FromMilliseconds(20);

    /// <summary>How long a request for a future resourceVersion waits before 504 "Too large resource version".</summary>
    public TimeSpan TooLargeResourceVersionWait { get; init; } = TimeSpan.FromSeconds(3);

    /// <summary>Request body limit; larger bodies get 413 (the real limit is 3 MiB).</summary>
    public long MaxRequestBodyBytes { get; init; } = 3 * 1024 * 1024;

    /// <summary>Events a watcher may lag behind before the server closes its stream.</summary>
    public int WatchQueueCapacity { get; init; } = 10_000;

    /// <summary>Maps an admission webhook's <c>service</c> reference (namespace, name, port) to a URL base; null = unresolvable.</summary>
    public Func<string, string, int, Uri?>? ServiceResolver { get; init; }

    /// <summary>Where the emulator logs; null logs nothing.</summary>
    public ILoggerFactory? LoggerFactory { get; init; }

    /// <summary>The clock for timestamps, token expiry and bookmarks.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>A fixed admin token (otherwise random, or the one in <see cref="StateDirectory"/>).</summary>
    public string? AdminToken { get; init; }
}
