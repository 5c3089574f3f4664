using System.Diagnostics;
using k8s;
using k8s.Models;
using Terway.Kube.Informers;

namespace Terway.Kube.Tests.Support;

internal static class Eventually
{
    /// <summary>Polls <paramref name="condition"/> until it holds or the deadline passes (then fails the test).</summary>
    public static async Task That(Func<bool> condition, string what, TimeSpan? timeout = null)
    {
        var sw = Stopwatch.StartNew();
        var limit = timeout ?? TimeSpan.FromSeconds(10);
        while (!condition())
        {
            if (sw.Elapsed > limit)
            {
                Assert.Fail($"timed out after {limit.TotalSeconds} s waiting for: {what}");
            }

            await Task.Delay(10);
        }
    }
}

/// <summary>Records what an informer delivered.</summary>
internal sealed class RecordingHandler<T> : IResourceEventHandler<T>
    where T : class, IKubernetesObject<V1ObjectMeta>
{
    private readonly Lock _lock = new();
    private readonly List<(string Kind, string Name, string? Version, bool Flag)> _events = [];

    public IReadOnlyList<(string Kind, string Name, string? Version, bool Flag)> Events
    {
        get
        {
            lock (_lock)
            {
                return [.. _events];
            }
        }
    }

    public Action? OnEvent { get; set; }

    public void OnAdd(T obj, bool isInInitialList) => Record("add", obj, isInInitialList);

    public void OnUpdate(T oldObj, T newObj) => Record("update", newObj, false);

    public void OnDelete(T obj, bool finalStateUnknown) => Record("delete", obj, finalStateUnknown);

    private void Record(string kind, T obj, bool flag)
    {
        lock (_lock)
        {
            _events.Add((kind, obj.Metadata.Name, obj.Metadata.ResourceVersion, flag));
        }

        OnEvent?.Invoke();
    }
}
