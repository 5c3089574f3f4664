namespace Terway.Sandbox.KubeApi.Auth;

/// <summary>An authenticated caller: user name and groups, as the authenticators produce them.</summary>
internal sealed record UserInfo(string Name, IReadOnlyList<string> Groups, string Uid = "")
{
    public static readonly UserInfo System = new("system:apiserver", ["system:masters", "system:authenticated"]);

    public bool IsServiceAccount(out string ns, out string name)
    {
        ns = "";
        name = "";
        if (!Name.StartsWith("system:serviceaccount:", StringComparison.Ordinal))
        {
            return false;
        }

        var parts = Name.Split(':');
        if (parts.Length != 4)
        {
            return false;
        }

        ns = parts[2];
        name = parts[3];
        return true;
    }
}
