using Terway.Sandbox.Hosting;

namespace Terway.Sandbox.Integration;

/// <summary>The Terway system plugged into the sandbox: what <c>dotnet run --project src/Terway.Sandbox</c> runs.</summary>
internal static class TerwayExtensions
{
    /// <summary>
    /// The operator (with its admission webhooks, which the API server calls) as the control plane.
    /// </summary>
    public static SandboxExtensions Create()
    {
        var extensions = new SandboxExtensions { OperatorWebhooks = true };
        extensions.ControlPlane.Add(context => new OperatorComponent(context));
        return extensions;
    }
}
