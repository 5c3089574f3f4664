namespace Terway.Operator.Hosting;

/// <summary>
/// Cuts every HTTP exchange of one operator instance at once (Kubernetes API and cloud). Tripping it is how
/// <see cref="OperatorHost.StopAsync"/> with <c>graceful: false</c> simulates a crash: nothing more reaches the
/// API server or the cloud (so the leader lease is not released and half-done work stays half-done), then the
/// instance is torn down.
/// </summary>
internal sealed class KillSwitch
{
    private volatile bool _tripped;

    public bool IsTripped => _tripped;

    public void Trip() => _tripped = true;
}

/// <summary>Fails requests once the <see cref="KillSwitch"/> is tripped, before and after they are sent.</summary>
internal sealed class KillSwitchHandler(KillSwitch killSwitch) : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        ThrowIfTripped();
        var response = await base.SendAsync(request, cancellationToken);
        if (killSwitch.IsTripped)
        {
            // The request reached the server, but the crashed process never sees the answer.
            response.Dispose();
            ThrowIfTripped();
        }

        return response;
    }

    private void ThrowIfTripped()
    {
        if (killSwitch.IsTripped)
        {
            throw new HttpRequestException("the operator process was killed (simulated crash)");
        }
    }
}
