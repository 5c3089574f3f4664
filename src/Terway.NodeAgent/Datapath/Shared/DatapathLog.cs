using Microsoft.Extensions.Logging;

namespace Terway.NodeAgent.Datapath.Shared;

internal static partial class DatapathLog
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "{Mode} setup of pod {Pod} (container {ContainerId}) done in {ElapsedMs:F1} ms: {Interface} {Addresses}")]
    public static partial void SetupDone(ILogger logger, DatapathMode mode, string pod, string? containerId, double elapsedMs, string @interface, AddressList addresses);

    [LoggerMessage(EventId = 2, Level = LogLevel.Information, Message = "{Mode} teardown of pod {Pod} (container {ContainerId}) done in {ElapsedMs:F1} ms")]
    public static partial void TeardownDone(ILogger logger, DatapathMode mode, string pod, string? containerId, double elapsedMs);

    [LoggerMessage(EventId = 3, Level = LogLevel.Warning, Message = "{Mode} {Operation} of pod {Pod} failed")]
    public static partial void OperationFailed(ILogger logger, Exception exception, DatapathMode mode, string operation, string pod);

    [LoggerMessage(EventId = 4, Level = LogLevel.Debug, Message = "{Mode} check of pod {Pod}: {Count} drift(s)")]
    public static partial void CheckDone(ILogger logger, DatapathMode mode, string pod, int count);

    [LoggerMessage(EventId = 5, Level = LogLevel.Information, Message = "ENI {Eni} has no pods left: released route table {Table}")]
    public static partial void TableReleased(ILogger logger, string eni, uint table);

    [LoggerMessage(EventId = 6, Level = LogLevel.Debug, Message = "waiting for ENI {Mac} to appear")]
    public static partial void WaitingForEni(ILogger logger, System.Net.NetworkInformation.PhysicalAddress mac);

    [LoggerMessage(EventId = 7, Level = LogLevel.Information, Message = "trunk ENI {Trunk} has no pods left: released route table {Table}, gateway neighbours and clsact")]
    public static partial void TrunkReleased(ILogger logger, string trunk, uint table);

    [LoggerMessage(EventId = 8, Level = LogLevel.Information, Message = "ENI {Eni} has no ipvlan pods left: released {Slave} and its Service redirects")]
    public static partial void IpvlanSlaveReleased(ILogger logger, string eni, string slave);

    /// <summary>Formats pod addresses only when the log line is written.</summary>
    public readonly record struct AddressList(IReadOnlyList<PodIPResult> IPs)
    {
        public override string ToString() => string.Join(",", IPs.Select(i => $"{i.Address}/{i.PrefixLength}"));
    }
}
