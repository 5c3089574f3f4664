using k8s;
using k8s.Models;
using Terway.Kube.Client;

namespace Terway.Kube.Controllers;

/// <summary>
/// Drives the objects of kind <typeparamref name="T"/> towards their desired state.
/// <para>
/// Level-based, as in controller-runtime: the reconciler receives a key, never an event or an object. It
/// reads the current state from the caches (absent means deleted), acts, and returns a
/// <see cref="ReconcileResult"/>. The runtime guarantees that one key is never reconciled by two workers at
/// once. Requeue rules:
/// <list type="bullet">
/// <item><see cref="ReconcileResult.Done"/>: the key's backoff is forgotten; it runs again on the next event;</item>
/// <item><see cref="ReconcileResult.RequeueAfter"/>: backoff forgotten, runs again after the delay (or earlier on an event);</item>
/// <item><see cref="ReconcileResult.Requeue"/>: runs again after the key's exponential backoff;</item>
/// <item>any exception: logged, counted, retried with the key's exponential backoff;</item>
/// <item><see cref="TerminalReconcileException"/>: logged and counted, not retried until the next event;</item>
/// <item>the token is cancelled at the controller's reconcile timeout and at shutdown.</item>
/// </list>
/// </para>
/// </summary>
/// <typeparam name="T">The controller's primary kind.</typeparam>
public interface IReconciler<T>
    where T : class, IKubernetesObject<V1ObjectMeta>
{
    /// <summary>Reconciles the object with <paramref name="key"/>.</summary>
    Task<ReconcileResult> ReconcileAsync(ObjectKey key, CancellationToken cancellationToken);
}

/// <summary>What a reconcile asks the controller to do next.</summary>
public enum ReconcileOutcome
{
    /// <summary>Nothing until the next event.</summary>
    Done,

    /// <summary>Run again after a fixed delay.</summary>
    RequeueAfter,

    /// <summary>Run again after the key's exponential backoff.</summary>
    Requeue,
}

/// <summary>The result of a reconcile.</summary>
/// <param name="Outcome">What to do next.</param>
/// <param name="Delay">The delay for <see cref="ReconcileOutcome.RequeueAfter"/>.</param>
public readonly record struct ReconcileResult(ReconcileOutcome Outcome, TimeSpan Delay)
{
    /// <summary>Finished; wait for the next event.</summary>
    public static ReconcileResult Done => new(ReconcileOutcome.Done, TimeSpan.Zero);

    /// <summary>Finished for now; run again with the key's exponential backoff (e.g. waiting for something).</summary>
    public static ReconcileResult Requeue => new(ReconcileOutcome.Requeue, TimeSpan.Zero);

    /// <summary>Run again after <paramref name="delay"/> (a poll, a periodic check).</summary>
    public static ReconcileResult RequeueAfter(TimeSpan delay) =>
        delay > TimeSpan.Zero ? new(ReconcileOutcome.RequeueAfter, delay) : Requeue;
}

/// <summary>
/// An error retrying cannot fix (invalid spec, a resource the user must create). Not requeued; counted in
/// <c>controller_runtime_terminal_reconcile_errors_total</c>. The key runs again on its next event.
/// </summary>
public class TerminalReconcileException : Exception
{
    /// <summary>Creates the exception.</summary>
    public TerminalReconcileException(string message, Exception? inner = null)
        : base(message, inner)
    {
    }
}

/// <summary>Adapts a delegate to <see cref="IReconciler{T}"/>.</summary>
/// <typeparam name="T">The primary kind.</typeparam>
public sealed class DelegateReconciler<T>(Func<ObjectKey, CancellationToken, Task<ReconcileResult>> reconcile) : IReconciler<T>
    where T : class, IKubernetesObject<V1ObjectMeta>
{
    /// <inheritdoc/>
    public Task<ReconcileResult> ReconcileAsync(ObjectKey key, CancellationToken cancellationToken) => reconcile(key, cancellationToken);
}

/// <summary>The ambient data of the reconcile running on this async flow.</summary>
public sealed class ReconcileContext
{
    private static readonly AsyncLocal<ReconcileContext?> CurrentValue = new();

    internal ReconcileContext(string controller, ObjectKey key, string reconcileId, int attempt)
    {
        Controller = controller;
        Key = key;
        ReconcileId = reconcileId;
        Attempt = attempt;
    }

    /// <summary>The reconcile running on this flow, or null outside a reconcile.</summary>
    public static ReconcileContext? Current
    {
        get => CurrentValue.Value;
        internal set => CurrentValue.Value = value;
    }

    /// <summary>The controller's name.</summary>
    public string Controller { get; }

    /// <summary>The key being reconciled.</summary>
    public ObjectKey Key { get; }

    /// <summary>A unique id of this reconcile (also in the log scope as <c>reconcileID</c>).</summary>
    public string ReconcileId { get; }

    /// <summary>How many times the key has been requeued with backoff since its last success.</summary>
    public int Attempt { get; }
}
