using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using Terway.Cloud;
using Terway.Cloud.Credentials;
using Terway.Cloud.Ecs;
using Terway.Cloud.Signing;

// Client overhead per call: signing + request building + the resilience pipeline + the in-memory
// HTTP exchange + JSON parsing. The network is replaced by a handler that returns a canned body, so
// the figures are the client's own cost. Bound: 1000 µs per call at p99, i.e. 1% of a 100 ms OpenAPI
// round trip; the ratio printed is p99 / bound.
const double BoundMicros = 1000;
var iterations = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 20_000;

var describeBody = Encoding.UTF8.GetBytes(CannedDescribe(10));
var createBody = Encoding.UTF8.GetBytes("""{"RequestId":"R","NetworkInterfaceId":"eni-1","Status":"Available","Type":"Secondary","VpcId":"vpc-1","VSwitchId":"vsw-1","ZoneId":"cn-hangzhou-i","PrivateIpAddress":"192.168.0.10","MacAddress":"00:16:3e:00:00:01","SecurityGroupIds":{"SecurityGroupId":["sg-1"]},"PrivateIpSets":{"PrivateIpSet":[{"PrivateIpAddress":"192.168.0.10","Primary":true}]},"Tags":{"Tag":[{"TagKey":"creator","TagValue":"terway"}]}}""");

Console.WriteLine($"Terway.Cloud client overhead, {iterations} calls per case, {Environment.ProcessorCount} cores, .NET {Environment.Version}, load average {LoadAverage()}");
Console.WriteLine($"{"case",-48} {"mean µs",9} {"p50 µs",9} {"p99 µs",9} {"cpu µs",9} {"alloc B/call",13} {"p99/bound",10}");

var cases = new List<(string Name, Func<Task> Call)>();
var clients = new List<AlibabaCloudClient>();
foreach (var algorithm in new[] { SignatureAlgorithm.V3HmacSha256, SignatureAlgorithm.RpcHmacSha1 })
{
    var client = NewClient(algorithm, describeBody, createBody);
    clients.Add(client);
    var describe = new DescribeNetworkInterfacesRequest { VpcId = "vpc-1", Tags = [new("creator", "terway")] };
    cases.Add(($"DescribeNetworkInterfaces (10 ENIs), {Name(algorithm)}", () => client.Ecs.DescribeNetworkInterfacesAsync(describe)));
    var create = new CreateNetworkInterfaceRequest { VSwitchId = "vsw-1", SecurityGroupIds = ["sg-1", "sg-2"], ClientToken = "token", Tags = [new("creator", "terway"), new("ack.aliyun.com", "c1")], SecondaryPrivateIpAddressCount = 9 };
    cases.Add(($"CreateNetworkInterface, {Name(algorithm)}", () => client.Ecs.CreateNetworkInterfaceAsync(create)));
}

// Warm every path first so tiered JIT has promoted the shared code before anything is timed.
for (var round = 0; round < 3; round++)
{
    foreach (var (_, call) in cases)
    {
        for (var i = 0; i < Math.Max(2000, iterations / 10); i++)
        {
            await call();
        }
    }

    await Task.Delay(200);
}

foreach (var (name, call) in cases)
{
    await Run(name, call);
}

foreach (var client in clients)
{
    client.Dispose();
}

return;

async Task Run(string name, Func<Task> call)
{
    var samples = new double[iterations];
    GC.Collect();
    var allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
    var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
    for (var i = 0; i < iterations; i++)
    {
        var start = Stopwatch.GetTimestamp();
        await call();
        samples[i] = Stopwatch.GetElapsedTime(start).TotalMicroseconds;
    }

    var allocated = (GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore) / (double)iterations;
    var cpu = (Process.GetCurrentProcess().TotalProcessorTime - cpuBefore).TotalMicroseconds / iterations;
    Array.Sort(samples);
    var p50 = samples[(int)(iterations * 0.50)];
    var p99 = samples[Math.Min(iterations - 1, (int)(iterations * 0.99))];
    Console.WriteLine(FormattableString.Invariant($"{name,-48} {samples.Average(),9:F1} {p50,9:F1} {p99,9:F1} {cpu,9:F1} {allocated,13:F0} {p99 / BoundMicros,10:F3}"));
}

static string LoadAverage() => File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Split(' ')[0] : "n/a";

static string Name(SignatureAlgorithm a) => a == SignatureAlgorithm.V3HmacSha256 ? "V3" : "RPC";

static AlibabaCloudClient NewClient(SignatureAlgorithm algorithm, byte[] describeBody, byte[] createBody)
{
    var options = new AlibabaCloudOptions
    {
        RegionId = "cn-hangzhou",
        EcsEndpoint = new Uri("http://ecs.bench/"),
        VpcEndpoint = new Uri("http://vpc.bench/"),
        SignatureAlgorithm = algorithm,
        ReadEnvironment = false,
    };
    // The benchmark measures the client, not the limiter's waits.
    options.RateLimitsPerMinute["DescribeNetworkInterfaces"] = 100_000_000;
    options.RateLimitsPerMinute["CreateNetworkInterface"] = 100_000_000;
    options.Credentials.DisableEcsRamRole = true;
    return AlibabaCloudClient.Create(options, CloudCredentialProviders.Static("bench-id", "bench-secret"), new CannedHandler(describeBody, createBody));
}

static string CannedDescribe(int count)
{
    var sb = new StringBuilder("""{"RequestId":"R","NextToken":"","TotalCount":10,"NetworkInterfaceSets":{"NetworkInterfaceSet":[""");
    for (var i = 0; i < count; i++)
    {
        if (i > 0)
        {
            sb.Append(',');
        }

        sb.Append(CultureInfo.InvariantCulture, $$$"""{"NetworkInterfaceId":"eni-{{{i}}}","Status":"InUse","Type":"Secondary","VpcId":"vpc-1","VSwitchId":"vsw-1","ZoneId":"cn-hangzhou-i","PrivateIpAddress":"192.168.0.{{{i}}}","MacAddress":"00:16:3e:00:00:{{{i:x2}}}","InstanceId":"i-1","CreationTime":"2024-01-02T03:04:05Z","SecurityGroupIds":{"SecurityGroupId":["sg-1"]},"PrivateIpSets":{"PrivateIpSet":[{"PrivateIpAddress":"192.168.0.{{{i}}}","Primary":true},{"PrivateIpAddress":"192.168.1.{{{i}}}","Primary":false}]},"Ipv6Sets":{"Ipv6Set":[]},"Tags":{"Tag":[{"TagKey":"creator","TagValue":"terway"}]},"Attachment":{"InstanceId":"i-1","DeviceIndex":{{{i}}}}}""");
    }

    return sb.Append("]}}").ToString();
}

/// <summary>Answers every request with a canned body, without touching the network.</summary>
internal sealed class CannedHandler(byte[] describe, byte[] create) : HttpMessageHandler
{
    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var action = request.Headers.TryGetValues("x-acs-action", out var values) ? values.First() : request.RequestUri!.Query.Contains("Action=CreateNetworkInterface", StringComparison.Ordinal) ? "CreateNetworkInterface" : "DescribeNetworkInterfaces";
        var body = action == "CreateNetworkInterface" ? create : describe;
        var content = new ByteArrayContent(body);
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        return Task.FromResult(new HttpResponseMessage(HttpStatusCode.OK) { Content = content });
    }
}
