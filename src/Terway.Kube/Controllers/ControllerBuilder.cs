using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Terway.Kube.Client;
using Terway.Kube.Handlers;
using Terway.Kube.Hosting;
using Terway.Kube.Queues;

namespace Terway.Kube.Controllers;

/// <summary>Entry point of the builder: <c>ControllerBuilder.For&lt;V1Pod&gt;(manager, "pods")</c>.</summary>
public static class ControllerBuilder
{
    /// <summary>Starts building a controller named <paramref name="name"/> whose primary kind is <typeparamref name="T"/>.</summary>
    public static ControllerBuilder<T> For<T>(KubeManager manager, string name, ListOptions? selection = null)
        where T : class, IKubernetesObject<V1ObjectMeta> =>
        new(manager, name, selection);
}

/// <summary>
/// Builds a controller (controller-runtime's builder): the primary kind and its predicates, owned kinds
/// mapped to their owner, other kinds mapped by a function, and options. Every watched kind shares the
/// manager's informer for that kind and selection.
/// <code>
/// manager.NewController&lt;V1Beta1PodEni&gt;("podeni")
///     .WithPredicates(Predicates.GenerationChanged&lt;V1Beta1PodEni&gt;())
///     .Watches&lt;V1Pod&gt;(pod => [new ObjectKey(pod.Namespace(), pod.Name())])
///     .WithMaxConcurrentReconciles(10)
///     .Build(new PodEniReconciler(...));
/// </code>
/// </summary>
/// <typeparam name="T">The primary kind; reconcile keys are keys of this kind.</typeparam>
public sealed class ControllerBuilder<T>
    where T : class, IKubernetesObject<V1ObjectMeta>
{
    private readonly KubeManager _manager;
    private readonly string _name;
    private readonly ListOptions? _selection;
    private readonly List<Func<IWatchSource>> _sources = [];
    private EventPredicate<T> _predicate = Predicates.All<T>();
    private ControllerOptions _options = new();
    private Func<IRateLimiter<ObjectKey>>? _rateLimiter;

    internal ControllerBuilder(KubeManager manager, string name, ListOptions? selection)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        _manager = manager;
        _name = name;
        _selection = selection;
    }

    /// <summary>Filters the primary kind's events (all given predicates must pass).</summary>
    public ControllerBuilder<T> WithPredicates(params EventPredicate<T>[] predicates)
    {
        _predicate = Predicates.And([_predicate, .. predicates]);
        return this;
    }

    /// <summary>
    /// Watches <typeparamref name="TChild"/> objects owned by the primary kind: their events enqueue the
    /// owner's key (by <c>ownerReferences</c>; only the controller reference unless
    /// <paramref name="onlyController"/> is false).
    /// </summary>
    public ControllerBuilder<T> Owns<TChild>(bool onlyController = true, EventPredicate<TChild>? predicate = null, ListOptions? selection = null)
        where TChild : class, IKubernetesObject<V1ObjectMeta> =>
        Watches(Mappings.Owner<TChild, T>(onlyController), predicate, selection);

    /// <summary>Watches another kind; <paramref name="map"/> turns each of its objects into primary keys.</summary>
    public ControllerBuilder<T> Watches<TOther>(KeyMapper<TOther> map, EventPredicate<TOther>? predicate = null, ListOptions? selection = null)
        where TOther : class, IKubernetesObject<V1ObjectMeta>
    {
        _sources.Add(() => new WatchSource<TOther>(_manager.GetInformer<TOther>(selection), map, predicate ?? Predicates.All<TOther>()));
        return this;
    }

    /// <summary>Sets how many keys are reconciled in parallel.</summary>
    public ControllerBuilder<T> WithMaxConcurrentReconciles(int workers)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(workers);
        _options = _options with { MaxConcurrentReconciles = workers };
        return this;
    }

    /// <summary>Cancels (and counts) reconciles that run longer than <paramref name="timeout"/>.</summary>
    public ControllerBuilder<T> WithReconcileTimeout(TimeSpan timeout)
    {
        _options = _options with { ReconcileTimeout = timeout };
        return this;
    }

    /// <summary>Runs on every replica (true) or only on the leader (false, the default is leader-only).</summary>
    public ControllerBuilder<T> WithoutLeaderElection(bool runOnEveryReplica = true)
    {
        _options = _options with { NeedLeaderElection = !runOnEveryReplica };
        return this;
    }

    /// <summary>Replaces all options at once.</summary>
    public ControllerBuilder<T> WithOptions(ControllerOptions options)
    {
        _options = options;
        return this;
    }

    /// <summary>Uses a different rate limiter for requeues (a new one per run).</summary>
    public ControllerBuilder<T> WithRateLimiter(Func<IRateLimiter<ObjectKey>> factory)
    {
        _rateLimiter = factory;
        return this;
    }

    /// <summary>Creates the controller and adds it to the manager.</summary>
    public Controller<T> Build(IReconciler<T> reconciler)
    {
        var sources = new List<IWatchSource>
        {
            new WatchSource<T>(_manager.GetInformer<T>(_selection), Mappings.Self<T>(), _predicate),
        };
        sources.AddRange(_sources.Select(s => s()));
        var controller = new Controller<T>(_name, reconciler, sources, _options, _manager.Metrics, _manager.Time,
            _manager.LoggerFactory.CreateLogger($"Terway.Kube.Controller.{_name}"), _rateLimiter);
        _manager.Add(controller);
        return controller;
    }

    /// <summary>Creates the controller from a delegate and adds it to the manager.</summary>
    public Controller<T> Build(Func<ObjectKey, CancellationToken, Task<ReconcileResult>> reconcile) =>
        Build(new DelegateReconciler<T>(reconcile));
}
