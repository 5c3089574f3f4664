using Terway.Crds.V1Beta1;

namespace Terway.Operator.Configuration;

/// <summary>The checks behind <see cref="OperatorOptions.Validate"/>: pure, every problem reported with its key.</summary>
internal static class OperatorConfigValidator
{
    public static IReadOnlyList<string> Validate(OperatorOptions o)
    {
        var errors = new List<string>();
        Required(errors, "regionID", o.RegionId, "the Alibaba Cloud region of the cluster, e.g. cn-hangzhou");
        Required(errors, "clusterID", o.ClusterId, "the cluster's ID; ENIs are tagged ack.aliyun.com=<clusterID> and garbage collection keys on it");
        Required(errors, "vpcID", o.VpcId, "the cluster's VPC; vSwitches outside it are refused");
        Required(errors, "controllerNamespace", o.ControllerNamespace, "where the leader lease lives");
        Required(errors, "controllerName", o.ControllerName, "the leader lease's name");

        if (o.IpStack is not ("ipv4" or "dual"))
        {
            errors.Add($"ipStack: '{o.IpStack}' is not supported; use ipv4 or dual (IPv6-only pods are not implemented)");
        }

        Positive(errors, "podENIMaxConcurrent", o.PodEniMaxConcurrent);
        Positive(errors, "podMaxConcurrent", o.PodMaxConcurrent);
        Positive(errors, "nodeMaxConcurrent", o.NodeMaxConcurrent);
        Positive(errors, "gcMaxPerSweep", o.GcMaxPerSweep);
        PositiveTime(errors, "vSwitchCacheTTL", o.VSwitchCacheTtl);
        PositiveTime(errors, "gcPeriod", o.GcPeriod);
        PositiveTime(errors, "podLastSeenRefreshPeriod", o.PodLastSeenRefreshPeriod);
        if (o.GcMinAge < TimeSpan.Zero)
        {
            errors.Add("gcMinAge: must not be negative");
        }

        if (o.LeaderElection)
        {
            PositiveTime(errors, "leaseDuration", o.LeaseDuration);
            PositiveTime(errors, "renewDeadline", o.RenewDeadline);
            PositiveTime(errors, "retryPeriod", o.RetryPeriod);
            if (o.RenewDeadline >= o.LeaseDuration)
            {
                errors.Add($"renewDeadline ({o.RenewDeadline}) must be shorter than leaseDuration ({o.LeaseDuration})");
            }

            if (o.RetryPeriod >= o.RenewDeadline)
            {
                errors.Add($"retryPeriod ({o.RetryPeriod}) must be shorter than renewDeadline ({o.RenewDeadline})");
            }
        }

        if (o.VSwitchSelectionPolicy is not (VSwitchSelectionPolicies.Ordered or VSwitchSelectionPolicies.Random or VSwitchSelectionPolicies.Most))
        {
            errors.Add($"vSwitchSelectionPolicy: '{o.VSwitchSelectionPolicy}' is not one of ordered, random, most");
        }

        if (o.SecurityGroupIds.Count > 10)
        {
            errors.Add($"securityGroupIDs: at most 10 security groups (got {o.SecurityGroupIds.Count})");
        }

        foreach (var (zone, ids) in o.VSwitches)
        {
            if (string.IsNullOrWhiteSpace(zone) || ids.Count == 0 || ids.Any(string.IsNullOrWhiteSpace))
            {
                errors.Add($"vSwitches: zone '{zone}' must map to a non-empty list of vSwitch IDs");
            }
        }

        foreach (var (api, perMinute) in o.RateLimit)
        {
            if (perMinute <= 0)
            {
                errors.Add($"rateLimit.{api}: must be a positive number of calls per minute (got {perMinute})");
            }
        }

        foreach (var (name, b) in o.BackoffOverride)
        {
            if (b.InitialDelay < TimeSpan.Zero || b.Duration <= TimeSpan.Zero || b.Cap <= TimeSpan.Zero)
            {
                errors.Add($"backoffOverride.{name}: durations must be positive");
            }

            if (b.Factor < 1 || b.Steps < 1 || b.Jitter < 0)
            {
                errors.Add($"backoffOverride.{name}: factor must be >= 1, steps >= 1 and jitter >= 0");
            }
        }

        Address(errors, "healthzBindAddress", o.HealthzBindAddress);
        Address(errors, "metricsBindAddress", o.MetricsBindAddress);
        if (o.WebhookPort is < 0 or > 65535)
        {
            errors.Add($"webhookPort: {o.WebhookPort} is not a TCP port");
        }

        if (!System.Net.IPAddress.TryParse(o.WebhookBindAddress.Trim('[', ']'), out _) && o.WebhookBindAddress != "localhost")
        {
            errors.Add($"webhookBindAddress: '{o.WebhookBindAddress}' is not an IP address (e.g. 0.0.0.0, or 127.0.0.1 on a workstation)");
        }

        Endpoint(errors, "cloud.ecsEndpoint", o.Cloud.EcsEndpoint);
        Endpoint(errors, "cloud.vpcEndpoint", o.Cloud.VpcEndpoint);
        if (o.Cloud.EndpointType is not ("vpc" or "public"))
        {
            errors.Add($"cloud.endpointType: '{o.Cloud.EndpointType}' is not vpc or public");
        }

        PositiveTime(errors, "cloud.attemptTimeout", o.Cloud.AttemptTimeout);
        PositiveTime(errors, "cloud.callTimeout", o.Cloud.CallTimeout);
        if (o.Cloud.CredentialPath is { Length: > 0 } path && !File.Exists(path))
        {
            errors.Add($"cloud.credentialPath: file '{path}' does not exist");
        }

        return errors;
    }

    /// <summary>Parses a bind address; null for "disabled" (<c>0</c> or empty).</summary>
    public static (string Host, int Port)? ParseAddress(string? address)
    {
        if (string.IsNullOrWhiteSpace(address) || address == "0")
        {
            return null;
        }

        var colon = address.LastIndexOf(':');
        if (colon < 0 || !int.TryParse(address[(colon + 1)..], out var port) || port is < 0 or > 65535)
        {
            throw new FormatException($"'{address}' is not host:port");
        }

        var host = address[..colon];
        return (host.Length == 0 ? "0.0.0.0" : host.Trim('[', ']'), port);
    }

    private static void Address(List<string> errors, string key, string? value)
    {
        try
        {
            ParseAddress(value);
        }
        catch (FormatException ex)
        {
            errors.Add($"{key}: {ex.Message}; use host:port (e.g. 0.0.0.0:9440) or 0 to disable");
        }
    }

    private static void Endpoint(List<string> errors, string key, Uri? uri)
    {
        if (uri is not null && (!uri.IsAbsoluteUri || uri.Scheme is not ("http" or "https")))
        {
            errors.Add($"{key}: '{uri}' must be an absolute http or https URI");
        }
    }

    private static void Required(List<string> errors, string key, string? value, string why)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            errors.Add($"{key} is required ({why})");
        }
    }

    private static void Positive(List<string> errors, string key, int value)
    {
        if (value < 1)
        {
            errors.Add($"{key}: must be at least 1 (got {value})");
        }
    }

    private static void PositiveTime(List<string> errors, string key, TimeSpan value)
    {
        if (value <= TimeSpan.Zero)
        {
            errors.Add($"{key}: must be a positive duration (got {value})");
        }
    }
}
