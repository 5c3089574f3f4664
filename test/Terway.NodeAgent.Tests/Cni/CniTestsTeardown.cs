using Terway.NodeAgent.Tests.Cni.Support;

namespace Terway.NodeAgent.Tests.Cni;

/// <summary>Stops the shared API emulator after the last CNI test.</summary>
[SetUpFixture]
public sealed class CniTestsTeardown
{
    [OneTimeTearDown]
    public Task StopCluster() => TestCluster.DisposeSharedAsync();
}
