using k8s;
using k8s.Models;

namespace Terway.Kube.Handlers;

/// <summary>
/// Filters events before they are mapped to keys (controller-runtime's <c>predicate.Funcs</c>). Each event
/// kind has its own test; combine with <c>&amp;</c>, <c>|</c> and <c>!</c>.
/// </summary>
/// <typeparam name="T">The model type.</typeparam>
public sealed class EventPredicate<T>
    where T : class, IKubernetesObject<V1ObjectMeta>
{
    /// <summary>Creates a predicate from one function per event kind (null means "pass").</summary>
    public EventPredicate(Func<T, bool>? create = null, Func<T, T, bool>? update = null, Func<T, bool>? delete = null)
    {
        Create = create ?? (static _ => true);
        Update = update ?? (static (_, _) => true);
        Delete = delete ?? (static _ => true);
    }

    /// <summary>The test for adds.</summary>
    public Func<T, bool> Create { get; }

    /// <summary>The test for updates (old, new).</summary>
    public Func<T, T, bool> Update { get; }

    /// <summary>The test for deletes.</summary>
    public Func<T, bool> Delete { get; }

    /// <summary>Passes only events both predicates pass.</summary>
    public static EventPredicate<T> operator &(EventPredicate<T> a, EventPredicate<T> b) =>
        new(o => a.Create(o) && b.Create(o), (o, n) => a.Update(o, n) && b.Update(o, n), o => a.Delete(o) && b.Delete(o));

    /// <summary>Passes events either predicate passes.</summary>
    public static EventPredicate<T> operator |(EventPredicate<T> a, EventPredicate<T> b) =>
        new(o => a.Create(o) || b.Create(o), (o, n) => a.Update(o, n) || b.Update(o, n), o => a.Delete(o) || b.Delete(o));

    /// <summary>Passes the events the predicate rejects.</summary>
    public static EventPredicate<T> operator !(EventPredicate<T> a) =>
        new(o => !a.Create(o), (o, n) => !a.Update(o, n), o => !a.Delete(o));

    /// <summary>Named alternative to <c>&amp;</c>.</summary>
    public EventPredicate<T> And(EventPredicate<T> other) => this & other;

    /// <summary>Named alternative to <c>|</c>.</summary>
    public EventPredicate<T> Or(EventPredicate<T> other) => this | other;

    /// <summary>Named alternative to <c>!</c>.</summary>
    public EventPredicate<T> Not() => !this;

    /// <summary>Named alternative to <c>!</c> (CA2225).</summary>
    public EventPredicate<T> LogicalNot() => !this;

    /// <summary>Named alternative to <c>&amp;</c> (CA2225).</summary>
    public EventPredicate<T> BitwiseAnd(EventPredicate<T> other) => this & other;

    /// <summary>Named alternative to <c>|</c> (CA2225).</summary>
    public EventPredicate<T> BitwiseOr(EventPredicate<T> other) => this | other;
}

/// <summary>The standard predicates.</summary>
public static class Predicates
{
    /// <summary>Passes everything.</summary>
    public static EventPredicate<T> All<T>()
        where T : class, IKubernetesObject<V1ObjectMeta> => new();

    /// <summary>
    /// Updates pass only when <c>metadata.generation</c> changed (spec changes, not status-only writes), which
    /// keeps a controller from re-triggering itself with its own status updates. Adds and deletes pass.
    /// </summary>
    public static EventPredicate<T> GenerationChanged<T>()
        where T : class, IKubernetesObject<V1ObjectMeta> =>
        new(update: static (o, n) => o.Metadata?.Generation != n.Metadata?.Generation);

    /// <summary>Updates pass only when labels changed.</summary>
    public static EventPredicate<T> LabelsChanged<T>()
        where T : class, IKubernetesObject<V1ObjectMeta> =>
        new(update: static (o, n) => !MapEquals(o.Metadata?.Labels, n.Metadata?.Labels));

    /// <summary>Updates pass only when annotations changed.</summary>
    public static EventPredicate<T> AnnotationsChanged<T>()
        where T : class, IKubernetesObject<V1ObjectMeta> =>
        new(update: static (o, n) => !MapEquals(o.Metadata?.Annotations, n.Metadata?.Annotations));

    /// <summary>Updates pass only when the resourceVersion changed (drops resync replays).</summary>
    public static EventPredicate<T> ResourceVersionChanged<T>()
        where T : class, IKubernetesObject<V1ObjectMeta> =>
        new(update: static (o, n) => o.Metadata?.ResourceVersion != n.Metadata?.ResourceVersion);

    /// <summary>Every event passes when <paramref name="test"/> holds for the object (the new one on updates).</summary>
    public static EventPredicate<T> Where<T>(Func<T, bool> test)
        where T : class, IKubernetesObject<V1ObjectMeta> =>
        new(test, (_, n) => test(n), test);

    /// <summary>A custom update test; adds and deletes pass.</summary>
    public static EventPredicate<T> OnUpdate<T>(Func<T, T, bool> test)
        where T : class, IKubernetesObject<V1ObjectMeta> => new(update: test);

    /// <summary>Passes only events every predicate passes (true for none).</summary>
    public static EventPredicate<T> And<T>(params EventPredicate<T>[] predicates)
        where T : class, IKubernetesObject<V1ObjectMeta> =>
        predicates.Aggregate(All<T>(), (a, b) => a & b);

    /// <summary>Passes events any predicate passes (false for none).</summary>
    public static EventPredicate<T> Or<T>(params EventPredicate<T>[] predicates)
        where T : class, IKubernetesObject<V1ObjectMeta> =>
        predicates.Length == 0 ? !All<T>() : predicates.Aggregate((a, b) => a | b);

    /// <summary>Inverts a predicate.</summary>
    public static EventPredicate<T> Not<T>(EventPredicate<T> predicate)
        where T : class, IKubernetesObject<V1ObjectMeta> => !predicate;

    private static bool MapEquals(IDictionary<string, string>? a, IDictionary<string, string>? b)
    {
        var ca = a?.Count ?? 0;
        var cb = b?.Count ?? 0;
        if (ca != cb)
        {
            return false;
        }

        if (ca == 0)
        {
            return true;
        }

        foreach (var (k, v) in a!)
        {
            if (!b!.TryGetValue(k, out var other) || other != v)
            {
                return false;
            }
        }

        return true;
    }
}
