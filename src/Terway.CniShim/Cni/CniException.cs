using Terway.CniShim.Protocol;

namespace Terway.CniShim.Cni;

/// <summary>A failure that becomes a CNI error on stdout: code, message and details.</summary>
internal sealed class CniException : Exception
{
    public CniException(int code, string message, string? details = null, Exception? inner = null)
        : base(message, inner)
    {
        Code = code;
        Details = details;
    }

    /// <summary>The CNI error code (<see cref="CniErrorCodes"/>).</summary>
    public int Code { get; }

    /// <summary>Longer details, if any.</summary>
    public string? Details { get; }

    /// <summary>The error as the wire body.</summary>
    public CniErrorBody ToBody() => new() { Code = Code, Message = Message, Details = Details };
}
