using System.Collections.Concurrent;
using k8s;
using k8s.Models;
using Terway.Kube.Client;
using Terway.Kube.Informers;

namespace Terway.Kube.Tests.Integration;

/// <summary>Records every notification per key, to check that nothing is lost or duplicated.</summary>
internal sealed class KeyedRecorder<T> : IResourceEventHandler<T>
    where T : class, IKubernetesObject<V1ObjectMeta>
{
    public ConcurrentDictionary<ObjectKey, ConcurrentQueue<(string Kind, string Version, bool FinalStateUnknown)>> Events { get; } = new();

    public void OnAdd(T obj, bool isInInitialList) => Record(obj, "add", false);

    public void OnUpdate(T oldObj, T newObj) => Record(newObj, "update", false);

    public void OnDelete(T obj, bool finalStateUnknown) => Record(obj, "delete", finalStateUnknown);

    /// <summary>Checks the per-key history against the server's final state; returns the problems found.</summary>
    public List<string> Verify(IReadOnlyDictionary<ObjectKey, string> server, IReadOnlySet<ObjectKey> deletedAfterSeen)
    {
        var problems = new List<string>();
        foreach (var (key, queue) in Events)
        {
            var history = queue.ToList();
            var dupes = history.Where(e => e.Kind != "delete").GroupBy(e => e.Version).Where(g => g.Count() > 1).ToList();
            if (dupes.Count > 0)
            {
                problems.Add($"{key}: version {dupes[0].Key} delivered {dupes[0].Count()} times");
            }

            var last = history[^1];
            if (server.TryGetValue(key, out var version))
            {
                if (last.Kind == "delete" || last.Version != version)
                {
                    problems.Add($"{key}: last event {last.Kind}@{last.Version}, server has {version}");
                }
            }
            else if (last.Kind != "delete")
            {
                problems.Add($"{key}: gone from the server but last event is {last.Kind}@{last.Version}");
            }
        }

        foreach (var key in server.Keys.Where(k => !Events.ContainsKey(k)))
        {
            problems.Add($"{key}: on the server but never delivered");
        }

        foreach (var key in deletedAfterSeen)
        {
            var deletes = Events.TryGetValue(key, out var q) ? q.Count(e => e.Kind == "delete") : 0;
            if (deletes != 1)
            {
                problems.Add($"{key}: deleted once on the server, {deletes} delete notifications");
            }
        }

        return problems;
    }

    private void Record(T obj, string kind, bool unknown) =>
        Events.GetOrAdd(ObjectKey.From(obj), _ => new()).Enqueue((kind, obj.Metadata.ResourceVersion ?? "", unknown));
}
