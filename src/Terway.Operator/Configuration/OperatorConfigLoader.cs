using System.Text.Json;
using System.Text.Json.Nodes;
using Terway.Crds.Durations;
using Terway.Crds.Yaml;

namespace Terway.Operator.Configuration;

/// <summary>
/// Reads the operator's YAML configuration (Terway's <c>ctrl-config.yaml</c> keys plus the operator's own),
/// checks it and returns <see cref="OperatorOptions"/>. Every problem is collected and reported at once in an
/// <see cref="OperatorConfigException"/>; keys Terway has but the operator does not use, and unknown keys, are
/// listed in <see cref="OperatorOptions.IgnoredKeys"/> so an existing Terway file carries over.
/// </summary>
public static class OperatorConfigLoader
{
    // Terway controlplane keys that configure parts this operator does not implement (the centralized
    // shared-ENI pool, client QPS of client-go) or that only the webhooks read.
    private static readonly HashSet<string> TerwayOnlyKeys = new(StringComparer.Ordinal)
    {
        "kubeClientQPS", "kubeClientBurst", "eniMaxConcurrent", "multiIPPodMaxConcurrent", "multiIPNodeMaxConcurrent",
        "multiIPNodeSyncPeriod", "multiIPGCPeriod", "multiIPMinSyncPeriodOnFailure", "multiIPMaxSyncPeriodOnFailure",
        "vSwitchPoolSize", "ipamType", "centralizedIPAM", "degradation", "nodeLabelWhiteList", "leaseLockName",
    };

    /// <summary>Loads and validates the file at <paramref name="path"/>.</summary>
    public static OperatorOptions LoadFile(string path)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new OperatorConfigException([$"cannot read configuration file '{path}': {ex.Message}"]);
        }

        return Load(text);
    }

    /// <summary>Parses and validates YAML (or JSON) text.</summary>
    public static OperatorOptions Load(string yaml)
    {
        JsonNode root;
        try
        {
            root = YamlJson.Parse(yaml);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            throw new OperatorConfigException([$"the configuration is not valid YAML: {ex.Message}"]);
        }

        if (root is not JsonObject obj)
        {
            throw new OperatorConfigException(["the configuration must be a YAML mapping of keys to values"]);
        }

        var options = new OperatorOptions();
        var errors = new List<string>();
        var reader = new Reader(errors);
        foreach (var (key, value) in obj)
        {
            if (value is null)
            {
                continue;
            }

            switch (key)
            {
                case "controllerNamespace": options.ControllerNamespace = reader.String(key, value); break;
                case "controllerName": options.ControllerName = reader.String(key, value); break;
                case "leaderElection": options.LeaderElection = reader.Bool(key, value); break;
                case "leaseDuration": options.LeaseDuration = reader.Duration(key, value); break;
                case "renewDeadline": options.RenewDeadline = reader.Duration(key, value); break;
                case "retryPeriod": options.RetryPeriod = reader.Duration(key, value); break;
                case "healthzBindAddress": options.HealthzBindAddress = reader.String(key, value); break;
                case "metricsBindAddress": options.MetricsBindAddress = reader.String(key, value); break;
                case "webhookPort": options.WebhookPort = reader.Int(key, value); break;
                case "certDir": options.CertDir = reader.String(key, value); break;
                case "webhookBindAddress": options.WebhookBindAddress = reader.String(key, value); break;
                case "webhookExtraSANs": options.WebhookExtraSans = reader.Strings(key, value); break;
                case "disableWebhook": options.DisableWebhook = reader.Bool(key, value); break;
                case "clusterDomain": options.ClusterDomain = reader.String(key, value); break;
                case "regionID": options.RegionId = reader.String(key, value); break;
                case "clusterID": options.ClusterId = reader.String(key, value); break;
                case "vpcID": options.VpcId = reader.String(key, value); break;
                case "ipStack": options.IpStack = reader.String(key, value); break;
                case "enableTrunk": options.EnableTrunk = reader.Bool(key, value); break;
                case "enableWebhookInjectResource": options.EnableWebhookInjectResource = reader.Bool(key, value); break;
                case "controllers": options.Controllers = reader.Strings(key, value); break;
                case "podENIMaxConcurrent": options.PodEniMaxConcurrent = reader.Int(key, value); break;
                case "podMaxConcurrent": options.PodMaxConcurrent = reader.Int(key, value); break;
                case "nodeMaxConcurrent": options.NodeMaxConcurrent = reader.Int(key, value); break;
                case "vSwitchCacheTTL": options.VSwitchCacheTtl = reader.Duration(key, value); break;
                case "customStatefulWorkloadKinds": options.CustomStatefulWorkloadKinds = reader.Strings(key, value); break;
                case "rateLimit": options.RateLimit = reader.IntMap(key, value); break;
                case "backoffOverride": options.BackoffOverride = reader.Backoffs(key, value); break;
                case "vSwitches": options.VSwitches = reader.ZoneMap(key, value); break;
                case "securityGroupIDs": options.SecurityGroupIds = reader.Strings(key, value); break;
                case "vSwitchSelectionPolicy": options.VSwitchSelectionPolicy = reader.String(key, value); break;
                case "resourceGroupID": options.ResourceGroupId = reader.String(key, value); break;
                case "gcPeriod": options.GcPeriod = reader.Duration(key, value); break;
                case "gcMinAge": options.GcMinAge = reader.Duration(key, value); break;
                case "gcMaxPerSweep": options.GcMaxPerSweep = reader.Int(key, value); break;
                case "podLastSeenRefreshPeriod": options.PodLastSeenRefreshPeriod = reader.Duration(key, value); break;
                case "cloud": options.Cloud = reader.Cloud(key, value); break;
                default:
                    options.IgnoredKeys.Add(TerwayOnlyKeys.Contains(key)
                        ? $"{key} (a Terway key for a part this operator does not implement)"
                        : $"{key} (unknown key)");
                    break;
            }
        }

        foreach (var name in options.Controllers)
        {
            var bare = name.Trim().TrimStart('-');
            if (ControllerSelection.NotImplemented.Contains(bare, StringComparer.Ordinal))
            {
                options.IgnoredKeys.Add($"controllers: {name} (not implemented by this operator)");
            }
            else if (ControllerSelection.Unknown([name]).Any())
            {
                errors.Add($"controllers: '{name}' names no controller; known: {string.Join(", ", ControllerSelection.All.Concat(ControllerSelection.PodEniAliases))}, '*', and '-name' to disable");
            }
        }

        errors.AddRange(OperatorConfigValidator.Validate(options));
        if (errors.Count > 0)
        {
            throw new OperatorConfigException(errors);
        }

        return options;
    }

    private sealed class Reader(List<string> errors)
    {
        public string String(string key, JsonNode value)
        {
            if (value is JsonValue v && v.GetValueKind() is JsonValueKind.String or JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False)
            {
                // YAML plain scalars such as `webhookPort: 4443` or `clusterID: 123` arrive typed; keep their text.
                return v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : v.ToJsonString();
            }

            errors.Add($"{key}: expected a string");
            return "";
        }

        public bool Bool(string key, JsonNode value)
        {
            if (value is JsonValue v && v.GetValueKind() is JsonValueKind.True or JsonValueKind.False)
            {
                return v.GetValue<bool>();
            }

            if (value is JsonValue s && s.GetValueKind() == JsonValueKind.String && bool.TryParse(s.GetValue<string>(), out var parsed))
            {
                return parsed;
            }

            errors.Add($"{key}: expected true or false");
            return false;
        }

        public int Int(string key, JsonNode value)
        {
            if (value is JsonValue v)
            {
                if (v.GetValueKind() == JsonValueKind.Number && v.TryGetValue<int>(out var i))
                {
                    return i;
                }

                if (v.GetValueKind() == JsonValueKind.String && int.TryParse(v.GetValue<string>(), out var parsed))
                {
                    return parsed;
                }
            }

            errors.Add($"{key}: expected an integer");
            return 0;
        }

        public double Double(string key, JsonNode value)
        {
            if (value is JsonValue v)
            {
                if (v.GetValueKind() == JsonValueKind.Number)
                {
                    return v.GetValue<double>();
                }

                if (v.GetValueKind() == JsonValueKind.String && double.TryParse(v.GetValue<string>(), System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var parsed))
                {
                    return parsed;
                }
            }

            errors.Add($"{key}: expected a number");
            return 0;
        }

        public TimeSpan Duration(string key, JsonNode value)
        {
            if (value is JsonValue v && v.GetValueKind() == JsonValueKind.String && GoDuration.TryParse(v.GetValue<string>(), out var d))
            {
                return d;
            }

            errors.Add($"{key}: expected a Go duration such as 30s, 5m0s or 1h30m (got {value.ToJsonString()})");
            return TimeSpan.Zero;
        }

        public List<string> Strings(string key, JsonNode value)
        {
            if (value is JsonArray array)
            {
                var list = new List<string>();
                for (var i = 0; i < array.Count; i++)
                {
                    if (array[i] is { } item)
                    {
                        list.Add(String($"{key}[{i}]", item));
                    }
                }

                return list;
            }

            errors.Add($"{key}: expected a list of strings");
            return [];
        }

        public Dictionary<string, int> IntMap(string key, JsonNode value)
        {
            var map = new Dictionary<string, int>(StringComparer.Ordinal);
            if (value is not JsonObject obj)
            {
                errors.Add($"{key}: expected a mapping of API name to calls per minute");
                return map;
            }

            foreach (var (name, item) in obj)
            {
                if (item is not null)
                {
                    map[name] = Int($"{key}.{name}", item);
                }
            }

            return map;
        }

        public Dictionary<string, IList<string>> ZoneMap(string key, JsonNode value)
        {
            var map = new Dictionary<string, IList<string>>(StringComparer.Ordinal);
            if (value is not JsonObject obj)
            {
                errors.Add($"{key}: expected a mapping of zone to a list of vSwitch IDs");
                return map;
            }

            foreach (var (zone, item) in obj)
            {
                map[zone] = item is null ? [] : Strings($"{key}.{zone}", item);
            }

            return map;
        }

        public Dictionary<string, BackoffSpec> Backoffs(string key, JsonNode value)
        {
            var map = new Dictionary<string, BackoffSpec>(StringComparer.Ordinal);
            if (value is not JsonObject obj)
            {
                errors.Add($"{key}: expected a mapping of backoff name to settings");
                return map;
            }

            foreach (var (name, item) in obj)
            {
                if (item is not JsonObject settings)
                {
                    errors.Add($"{key}.{name}: expected initialDelay, duration, factor, jitter, steps, cap");
                    continue;
                }

                var spec = BackoffSpec.Default(name);
                foreach (var (field, v) in settings)
                {
                    if (v is null)
                    {
                        continue;
                    }

                    var path = $"{key}.{name}.{field}";
                    spec = field switch
                    {
                        "initialDelay" => spec with { InitialDelay = Duration(path, v) },
                        "duration" => spec with { Duration = Duration(path, v) },
                        "factor" => spec with { Factor = Double(path, v) },
                        "jitter" => spec with { Jitter = Double(path, v) },
                        "steps" => spec with { Steps = Int(path, v) },
                        "cap" => spec with { Cap = Duration(path, v) },
                        _ => Unknown(path, spec),
                    };
                }

                map[name] = spec;
            }

            return map;
        }

        public CloudSettings Cloud(string key, JsonNode value)
        {
            var cloud = new CloudSettings();
            if (value is not JsonObject obj)
            {
                errors.Add($"{key}: expected a mapping");
                return cloud;
            }

            foreach (var (field, v) in obj)
            {
                if (v is null)
                {
                    continue;
                }

                var path = $"{key}.{field}";
                switch (field)
                {
                    case "ecsEndpoint": cloud.EcsEndpoint = Uri(path, v); break;
                    case "vpcEndpoint": cloud.VpcEndpoint = Uri(path, v); break;
                    case "endpointType": cloud.EndpointType = String(path, v); break;
                    case "credentialPath": cloud.CredentialPath = String(path, v); break;
                    case "ramRoleName": cloud.RamRoleName = String(path, v); break;
                    case "attemptTimeout": cloud.AttemptTimeout = Duration(path, v); break;
                    case "callTimeout": cloud.CallTimeout = Duration(path, v); break;
                    default: errors.Add($"{path}: unknown key"); break;
                }
            }

            return cloud;
        }

        private Uri? Uri(string key, JsonNode value)
        {
            var text = String(key, value);
            if (System.Uri.TryCreate(text, UriKind.Absolute, out var uri))
            {
                return uri;
            }

            errors.Add($"{key}: '{text}' is not an absolute URI");
            return null;
        }

        private BackoffSpec Unknown(string path, BackoffSpec spec)
        {
            errors.Add($"{path}: unknown key (use initialDelay, duration, factor, jitter, steps, cap)");
            return spec;
        }
    }
}
