using Terway.CniShim.Protocol;

namespace Terway.NodeAgent.Cni;

/// <summary>A CNI call failed with a CNI error code the plugin prints as is.</summary>
internal sealed class CniFailure(int code, string message, string? details = null, Exception? inner = null) : Exception(message, inner)
{
    public int Code { get; } = code;

    public string? Details { get; } = details;

    public CniErrorBody ToBody() => new() { Code = Code, Message = Message, Details = Details };
}
