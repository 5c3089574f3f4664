namespace Terway.NodeAgent.Tests.Cni.Support;

/// <summary>Paths in the repository the tests run from.</summary>
internal static class RepoPaths
{
    private static readonly Lazy<string> RootPath = new(() =>
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Terway.slnx")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"no Terway.slnx above {AppContext.BaseDirectory}");
    });

    public static string Root => RootPath.Value;

    public static string Of(params string[] parts) => Path.Combine([Root, .. parts]);
}
