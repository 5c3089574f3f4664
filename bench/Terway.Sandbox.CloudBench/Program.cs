using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Terway.Sandbox.Cloud;
using Terway.Sandbox.Cloud.Model;
using Terway.Sandbox.Cloud.Signing;

namespace Terway.Sandbox.CloudBench;

/// <summary>
/// Measures the region simulator on this machine: model-only operations per second, and signed
/// OpenAPI requests per second over loopback HTTP for a Create/Attach/Describe/Detach/Delete mix.
/// Usage: dotnet run -c Release --project bench/Terway.Sandbox.CloudBench -- [seconds] [workers]
/// </summary>
internal static class Program
{
    // Terway's per-minute client limits for the APIs of the HTTP mix (reference §8.4): the most a
    // real region would let one account do with this mix, if every API ran at its own limit.
    private static readonly Dictionary<string, int> RealLimits = new()
    {
        ["CreateNetworkInterface"] = 500,
        ["AttachNetworkInterface"] = 500,
        ["DescribeNetworkInterfaces"] = 800,
        ["DetachNetworkInterface"] = 400,
        ["DeleteNetworkInterface"] = 500,
        ["DescribeVSwitches"] = 300,
    };

    public static async Task<int> Main(string[] args)
    {
        var seconds = args.Length > 0 ? double.Parse(args[0], CultureInfo.InvariantCulture) : 10;
        var workers = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 8;
        Console.WriteLine($"Region simulator benchmark: {seconds} s per phase, {workers} HTTP workers, {Environment.ProcessorCount} cores");

        var modelOps = ModelOnly(TimeSpan.FromSeconds(seconds));
        Console.WriteLine($"model-only: {modelOps:F0} ops/s (create, attach, describe, assign 2 IPs, unassign, detach, delete)");

        var (rps, errors) = await OverHttpAsync(TimeSpan.FromSeconds(seconds), workers);
        var bound = RealLimits.Values.Sum() / 60.0;
        Console.WriteLine($"http (signed, loopback): {rps:F0} requests/s, {errors} unexpected errors");
        Console.WriteLine($"bound: the real region's per-API limits for this mix add up to {bound:F0} requests/s; ratio {rps / bound:F1}x");
        return errors == 0 ? 0 : 1;
    }

    private static RegionSimulatorOptions Options(int instances)
    {
        var options = RegionSimulatorOptions.CreateDefault();
        options.Knobs.WithInstantTransitions().WithoutThrottling();
        options.Knobs.MaxEniCount = 100_000;
        options.Instances.Clear();
        for (var i = 0; i < instances; i++)
        {
            options.Instances.Add(new InstanceDefinition
            {
                InstanceId = $"i-bench{i:D4}",
                InstanceType = "ecs.g7.xlarge",
                ZoneId = "cn-hangzhou-h",
                VSwitchId = "vsw-bp1sandboxh0000000001",
            });
        }

        return options;
    }

    private static double ModelOnly(TimeSpan duration)
    {
        var options = Options(4);
        var knobs = new KnobsHolder(options.Knobs);
        var model = RegionSimulator.BuildModel(options, knobs);

        // Background population so queries and allocation work against a non-trivial region.
        for (var i = 0; i < 500; i++)
        {
            model.CreateNetworkInterface(new CreateEniArgs { VSwitchId = "vsw-bp1sandboxi0000000001", SecurityGroupIds = ["sg-bp1sandboxpods0000001"] });
        }

        var ops = 0L;
        var sw = Stopwatch.StartNew();
        var n = 0;
        while (sw.Elapsed < duration)
        {
            var instance = $"i-bench{n++ % 4:D4}";
            var eni = model.CreateNetworkInterface(new CreateEniArgs { VSwitchId = "vsw-bp1sandboxh0000000001", SecurityGroupIds = ["sg-bp1sandboxpods0000001"] });
            model.AttachNetworkInterface(eni.NetworkInterfaceId, instance, null);
            model.DescribeNetworkInterface(eni.NetworkInterfaceId);
            var ips = model.AssignPrivateIpAddresses(eni.NetworkInterfaceId, [], 2);
            model.UnassignPrivateIpAddresses(eni.NetworkInterfaceId, ips);
            model.DetachNetworkInterface(eni.NetworkInterfaceId, instance, null);
            model.DeleteNetworkInterface(eni.NetworkInterfaceId);
            ops += 7;
        }

        return ops / sw.Elapsed.TotalSeconds;
    }

    private static async Task<(double Rps, long Errors)> OverHttpAsync(TimeSpan duration, int workers)
    {
        await using var sim = await RegionSimulator.StartAsync(Options(workers));
        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = workers, UseProxy = false });
        var requests = 0L;
        var errors = 0L;
        var stop = DateTime.UtcNow + duration;
        var sw = Stopwatch.StartNew();
        var tasks = Enumerable.Range(0, workers).Select(async w =>
        {
            var signer = new Signer(http, sim.Endpoint, sim.DefaultCredential);
            var instance = $"i-bench{w:D4}";
            var trunk = (await signer.CallAsync("CreateNetworkInterface", ("VSwitchId", "vsw-bp1sandboxh0000000001"), ("SecurityGroupId", "sg-bp1sandboxpods0000001"), ("InstanceType", "Trunk")))!["NetworkInterfaceId"]!.GetValue<string>();
            await signer.CallAsync("AttachNetworkInterface", ("InstanceId", instance), ("NetworkInterfaceId", trunk));
            var i = 0;
            while (DateTime.UtcNow < stop)
            {
                var created = await signer.CallAsync("CreateNetworkInterface", ("VSwitchId", "vsw-bp1sandboxh0000000001"), ("SecurityGroupId", "sg-bp1sandboxpods0000001"),
                    ("ClientToken", $"w{w}-{i++}"));
                var eni = created?["NetworkInterfaceId"]?.GetValue<string>();
                var ok = eni is not null
                    && await signer.CallAsync("AttachNetworkInterface", ("InstanceId", instance), ("NetworkInterfaceId", eni), ("TrunkNetworkInstanceId", trunk)) is not null
                    && await signer.CallAsync("DescribeNetworkInterfaces", ("NetworkInterfaceId.1", eni)) is not null
                    && await signer.CallAsync("DescribeVSwitches", ("VSwitchId", "vsw-bp1sandboxh0000000001")) is not null
                    && await signer.CallAsync("DetachNetworkInterface", ("InstanceId", instance), ("NetworkInterfaceId", eni), ("TrunkNetworkInstanceId", trunk)) is not null
                    && await signer.CallAsync("DeleteNetworkInterface", ("NetworkInterfaceId", eni)) is not null;
                Interlocked.Add(ref requests, 6);
                if (!ok)
                {
                    Interlocked.Increment(ref errors);
                }
            }
        }).ToList();
        await Task.WhenAll(tasks);
        return (requests / sw.Elapsed.TotalSeconds, errors);
    }

    /// <summary>Signs calls with the RPC algorithm (even workers use V3 for describes to exercise both verifiers).</summary>
    private sealed class Signer(HttpClient http, Uri endpoint, AccessKeyDefinition key)
    {
        private long _nonce;

        public async Task<JsonObject?> CallAsync(string action, params (string Name, string Value)[] p)
        {
            var version = action == "DescribeVSwitches" ? "2016-04-28" : "2014-05-26";
            using var request = action.StartsWith("Describe", StringComparison.Ordinal) ? V3(action, version, p) : Rpc(action, version, p);
            using var response = await http.SendAsync(request);
            var body = await response.Content.ReadAsStringAsync();
            if (!response.IsSuccessStatusCode)
            {
                Console.Error.WriteLine($"{action}: {(int)response.StatusCode} {body}");
                return null;
            }

            return JsonNode.Parse(body)!.AsObject();
        }

        private static string Now() => DateTime.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

        private string Nonce() => Guid.NewGuid().ToString("N") + Interlocked.Increment(ref _nonce).ToString(CultureInfo.InvariantCulture);

        private HttpRequestMessage Rpc(string action, string version, (string Name, string Value)[] p)
        {
            var all = new List<KeyValuePair<string, string>>
            {
                new("Action", action), new("Version", version), new("Format", "JSON"), new("AccessKeyId", key.AccessKeyId),
                new("SignatureMethod", "HMAC-SHA1"), new("SignatureVersion", "1.0"), new("SignatureNonce", Nonce()),
                new("Timestamp", Now()), new("RegionId", "cn-hangzhou"),
            };
            all.AddRange(p.Select(x => new KeyValuePair<string, string>(x.Name, x.Value)));
            var signature = RpcSignature.Sign(RpcSignature.StringToSign("POST", all), key.AccessKeySecret);
            var query = RpcSignature.CanonicalQuery(all) + "&Signature=" + PercentEncoding.Encode(signature);
            return new HttpRequestMessage(HttpMethod.Post, new Uri(endpoint, "/?" + query));
        }

        private HttpRequestMessage V3(string action, string version, (string Name, string Value)[] p)
        {
            var query = new List<KeyValuePair<string, string>> { new("RegionId", "cn-hangzhou") };
            query.AddRange(p.Select(x => new KeyValuePair<string, string>(x.Name, x.Value)));
            var headers = new Dictionary<string, IReadOnlyList<string>>
            {
                ["host"] = [endpoint.Authority],
                ["x-acs-action"] = [action],
                ["x-acs-version"] = [version],
                ["x-acs-date"] = [Now()],
                ["x-acs-signature-nonce"] = [Nonce()],
                ["x-acs-content-sha256"] = [AcsV3Signature.EmptyPayloadHash],
            };
            var signed = headers.Keys.OrderBy(k => k, StringComparer.Ordinal).ToList();
            var canonical = AcsV3Signature.CanonicalRequest("POST", "/", query, headers, signed, AcsV3Signature.EmptyPayloadHash);
            var signature = AcsV3Signature.Sign(AcsV3Signature.StringToSign(canonical), key.AccessKeySecret);
            var request = new HttpRequestMessage(HttpMethod.Post, new Uri(endpoint, "/?" + AcsV3Signature.CanonicalQuery(query)));
            foreach (var (name, values) in headers)
            {
                if (name != "host")
                {
                    request.Headers.TryAddWithoutValidation(name, values[0]);
                }
            }

            request.Headers.TryAddWithoutValidation("Authorization",
                new StringBuilder(AcsV3Signature.Algorithm).Append(" Credential=").Append(key.AccessKeyId)
                    .Append(",SignedHeaders=").Append(string.Join(';', signed)).Append(",Signature=").Append(signature).ToString());
            return request;
        }
    }
}
