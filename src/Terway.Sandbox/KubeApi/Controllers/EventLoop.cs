using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Terway.Sandbox.KubeApi.Storage;

namespace Terway.Sandbox.KubeApi.Controllers;

/// <summary>
/// The in-process controllers' shared shape: read every committed event, handle it, never die
/// on one bad object (a failure is logged and the next event is handled).
/// </summary>
internal abstract partial class EventLoop
{
    private readonly ChannelReader<StoreEvent> _reader;
    private readonly ILogger _log;
    private Task _task = Task.CompletedTask;

    protected EventLoop(ObjectStore store, ILogger log)
    {
        _reader = store.AddListener();
        _log = log;
    }

    /// <summary>Work that is pending or running; tests and shutdown can wait for it.</summary>
    public int Pending => _reader.CanCount ? _reader.Count : 0;

    public void Start(CancellationToken ct)
    {
        _task = Task.Run(async () =>
        {
            await OnStartAsync(ct).ConfigureAwait(false);
            await foreach (var ev in _reader.ReadAllAsync(ct).ConfigureAwait(false))
            {
                try
                {
                    await HandleAsync(ev, ct).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (ct.IsCancellationRequested)
                {
                    return;
                }
                catch (Exception e)
                {
                    LogFailure(_log, GetType().Name, e);
                }
            }
        }, ct);
    }

    public Task Completion => _task;

    protected virtual Task OnStartAsync(CancellationToken ct) => Task.CompletedTask;

    protected abstract Task HandleAsync(StoreEvent ev, CancellationToken ct);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Controller {Controller} failed to handle an event")]
    private static partial void LogFailure(ILogger logger, string controller, Exception e);
}
