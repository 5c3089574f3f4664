using k8s;
using k8s.Models;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Terway.Kube.Cache;
using Terway.Kube.Client;
using Terway.Kube.Controllers;
using Terway.Kube.Events;

namespace Terway.Kube.Hosting;

/// <summary>How the hosted manager reaches the API server, plus the manager's own options.</summary>
public sealed class KubeHostingOptions
{
    /// <summary>The manager's options (leader election, health server, events, informer defaults).</summary>
    public KubeManagerOptions Manager { get; set; } = new();

    /// <summary>An explicit client configuration (tests: the emulator's). Wins over everything below.</summary>
    public KubernetesClientConfiguration? ClientConfiguration { get; set; }

    /// <summary>A kubeconfig file; null falls back to KubernetesClient's default chain (KUBECONFIG, ~/.kube/config, in-cluster).</summary>
    public string? KubeconfigPath { get; set; }

    /// <summary>The kubeconfig context to use.</summary>
    public string? KubeconfigContext { get; set; }

    /// <summary>Timeout of each non-watch API request.</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Builds the client configuration these options describe.</summary>
    public KubernetesClientConfiguration ResolveClientConfiguration()
    {
        if (ClientConfiguration is not null)
        {
            return ClientConfiguration;
        }

        if (KubeconfigPath is not null)
        {
            return KubernetesClientConfiguration.BuildConfigFromConfigFile(KubeconfigPath, KubeconfigContext);
        }

        return KubernetesClientConfiguration.IsInCluster()
            ? KubernetesClientConfiguration.InClusterConfig()
            : KubernetesClientConfiguration.BuildDefaultConfig();
    }
}

/// <summary>Registers the controller runtime in a generic host.</summary>
public static class KubeServiceCollectionExtensions
{
    /// <summary>
    /// Adds a <see cref="KubeManager"/> run by a hosted service, the shared <see cref="IKubernetes"/> client,
    /// <see cref="IKubeApiClient"/> and (when configured) <see cref="IEventRecorder"/>. Controllers and indexes are
    /// added on the returned builder; they are wired when the host starts, so reconcilers may take the
    /// <see cref="KubeManager"/> (and its caches) as constructor dependencies.
    /// </summary>
    public static KubeManagerBuilder AddKubeManager(this IServiceCollection services, Action<KubeHostingOptions> configure)
    {
        var options = new KubeHostingOptions();
        configure(options);
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton(options);
        services.AddSingleton(_ => new Kubernetes(options.ResolveClientConfiguration()));
        services.AddSingleton<IKubernetes>(sp => sp.GetRequiredService<Kubernetes>());
        services.AddSingleton<IKubeApiClient>(sp => new KubeApiClient(sp.GetRequiredService<Kubernetes>(), options.RequestTimeout));
        services.AddSingleton(sp => new KubeManager(
            sp.GetRequiredService<IKubeApiClient>(),
            options.Manager,
            sp.GetRequiredService<TimeProvider>(),
            sp.GetService<ILoggerFactory>()));
        if (options.Manager.Events is not null)
        {
            services.AddSingleton(sp => sp.GetRequiredService<KubeManager>().Events);
        }

        var builder = new KubeManagerBuilder(services);
        services.AddSingleton(builder);
        services.AddHostedService<KubeManagerHostedService>();
        return builder;
    }
}

/// <summary>Adds controllers and indexes to the hosted manager.</summary>
public sealed class KubeManagerBuilder
{
    private readonly List<Action<KubeManager, IServiceProvider>> _setup = [];

    internal KubeManagerBuilder(IServiceCollection services) => Services = services;

    /// <summary>The service collection.</summary>
    public IServiceCollection Services { get; }

    /// <summary>
    /// Adds a controller whose reconciler <typeparamref name="TReconciler"/> is resolved from DI (registered as
    /// a singleton here if not already).
    /// </summary>
    public KubeManagerBuilder AddController<T, TReconciler>(string name, Action<ControllerBuilder<T>>? configure = null)
        where T : class, IKubernetesObject<V1ObjectMeta>
        where TReconciler : class, IReconciler<T>
    {
        Services.TryAddSingleton<TReconciler>();
        return AddController(name, sp => sp.GetRequiredService<TReconciler>(), configure);
    }

    /// <summary>Adds a controller with a reconciler made by <paramref name="factory"/>.</summary>
    public KubeManagerBuilder AddController<T>(string name, Func<IServiceProvider, IReconciler<T>> factory, Action<ControllerBuilder<T>>? configure = null)
        where T : class, IKubernetesObject<V1ObjectMeta>
    {
        _setup.Add((manager, sp) =>
        {
            var builder = manager.NewController<T>(name);
            configure?.Invoke(builder);
            builder.Build(factory(sp));
        });
        return this;
    }

    /// <summary>Registers a cache index (e.g. pods by node).</summary>
    public KubeManagerBuilder AddIndex<T>(string name, IndexFunc<T> index, ListOptions? selection = null)
        where T : class, IKubernetesObject<V1ObjectMeta>
    {
        _setup.Add((manager, _) => manager.AddIndex(name, index, selection));
        return this;
    }

    /// <summary>Runs arbitrary set-up on the manager before it starts (extra informers, hand-built controllers).</summary>
    public KubeManagerBuilder Configure(Action<KubeManager, IServiceProvider> setup)
    {
        _setup.Add(setup);
        return this;
    }

    internal void Apply(KubeManager manager, IServiceProvider services)
    {
        foreach (var setup in _setup)
        {
            setup(manager, services);
        }
    }
}

/// <summary>Starts the manager with the host and stops it gracefully with it.</summary>
internal sealed class KubeManagerHostedService(KubeManager manager, KubeManagerBuilder builder, IServiceProvider services) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        builder.Apply(manager, services);
        await manager.StartAsync(cancellationToken);
    }

    public Task StopAsync(CancellationToken cancellationToken) => manager.StopAsync(cancellationToken);
}
