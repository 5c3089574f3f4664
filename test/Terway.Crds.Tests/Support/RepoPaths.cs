namespace Terway.Crds.Tests.Support;

/// <summary>Locates the repository from the test's output directory.</summary>
internal static class RepoPaths
{
    public static string Root { get; } = FindRoot();

    public static string Config(params string[] parts) => Path.Combine([Root, "config", .. parts]);

    public static string Fixture(string name) => Path.Combine(TestContext.CurrentContext.TestDirectory, "Fixtures", name);

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(TestContext.CurrentContext.TestDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Terway.slnx")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("repository root (Terway.slnx) not found above " + TestContext.CurrentContext.TestDirectory);
    }
}
