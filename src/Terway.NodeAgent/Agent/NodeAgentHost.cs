using k8s;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Terway.Kube.Events;
using Terway.Kube.Health;
using Terway.Kube.Hosting;
using Terway.NodeAgent.Configuration;
using Terway.NodeAgent.Kube;

namespace Terway.NodeAgent.Agent;

/// <summary>
/// Builds the node agent: a generic host with Terway.Kube's manager (informers of the node's pods,
/// PodENIs, Node CR and core Node; event recorder; <c>/healthz</c>, <c>/readyz</c>, <c>/metrics</c>) and the
/// CNI service. The executable runs it until SIGTERM; tests and the sandbox start one per simulated node.
/// </summary>
/// <example>
/// <code>
/// using var agent = NodeAgentHost.Create(new NodeAgentOptions
/// {
///     NodeName = "n1",
///     HostNetnsPath = fabricNode.Path,                 // the simulated node's namespace
///     SocketPath = dir + "/cni.sock",
///     StateDirectory = dir + "/state",
///     PendingReleaseDirectory = dir + "/pending",
///     HealthListen = "http://127.0.0.1:0",
///     MeterName = "Terway.NodeAgent.n1",
/// }, emulator.CreateClientConfiguration(emulator.IssueServiceAccountToken("kube-system", "terway-nodeagent")));
/// await agent.StartAsync();
/// // ... exec the terway plugin with agent_socket = dir + "/cni.sock" ...
/// await agent.StopAsync();
/// </code>
/// </example>
public static class NodeAgentHost
{
    /// <summary>The events' reportingController.</summary>
    public const string ReportingController = "terway.alibabacloud.com/nodeagent";

    /// <summary>
    /// Creates (does not start) an agent host.
    /// </summary>
    /// <param name="options">The configuration.</param>
    /// <param name="clientConfiguration">How to reach the API server; null uses <see cref="NodeAgentOptions.KubeconfigPath"/>, then in-cluster, then KUBECONFIG / ~/.kube/config.</param>
    /// <param name="loggerFactory">Logging; null logs to the console (single lines).</param>
    /// <param name="inProcess">True when several agents share a process (tests, sandbox): no console lifetime, no signal handling.</param>
    public static IHost Create(NodeAgentOptions options, KubernetesClientConfiguration? clientConfiguration = null, ILoggerFactory? loggerFactory = null, bool inProcess = true)
    {
        ArgumentNullException.ThrowIfNull(options);
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings { ApplicationName = "terway-nodeagent" });
        if (loggerFactory is not null)
        {
            builder.Services.Replace(ServiceDescriptor.Singleton(loggerFactory));
        }
        else
        {
            builder.Logging.AddSimpleConsole(o =>
            {
                o.SingleLine = true;
                o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ ";
                o.UseUtcTimestamp = true;
            });
        }

        if (inProcess)
        {
            builder.Services.Replace(ServiceDescriptor.Singleton<IHostLifetime, InProcessLifetime>());
        }

        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(30));
        builder.Services.AddSingleton(options);
        builder.Services.AddKubeManager(k =>
        {
            k.ClientConfiguration = clientConfiguration;
            k.KubeconfigPath = options.KubeconfigPath;
            k.Manager = new KubeManagerOptions
            {
                MeterName = options.MeterName,
                HealthServer = options.HealthListen is { Length: > 0 } url ? new HealthServerOptions { Urls = url } : null,
                Events = new EventRecorderOptions { ReportingController = ReportingController, ReportingInstance = options.NodeName },
                GracefulShutdownTimeout = TimeSpan.FromSeconds(10),
            };
        })
        // Informers are created while the manager is configured, so they start with it.
        .Configure((_, services) => services.GetRequiredService<AgentCluster>());
        builder.Services.AddSingleton(sp => new AgentCluster(sp.GetRequiredService<KubeManager>(), options));
        builder.Services.AddSingleton<CniAgentService>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<CniAgentService>());
        return builder.Build();
    }

    /// <summary>A host lifetime that neither waits for nor handles console signals.</summary>
    private sealed class InProcessLifetime : IHostLifetime
    {
        public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
