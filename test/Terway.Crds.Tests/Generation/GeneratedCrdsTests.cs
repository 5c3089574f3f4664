using Terway.Crds.Generation;
using Terway.Crds.Tests.Support;

namespace Terway.Crds.Tests.Generation;

[TestFixture]
public sealed class GeneratedCrdsTests
{
    private const string UpdateVariable = "TERWAY_UPDATE_CRDS";

    [Test]
    public void ConfigCrd_ComparedWithGenerator_IsUpToDate()
    {
        var directory = RepoPaths.Config("crd");
        var generated = CrdGenerator.GenerateFiles();
        if (Environment.GetEnvironmentVariable(UpdateVariable) == "1")
        {
            foreach (var stale in Directory.Exists(directory) ? Directory.GetFiles(directory, "*.yaml") : [])
            {
                if (!generated.ContainsKey(Path.GetFileName(stale)))
                {
                    File.Delete(stale);
                }
            }

            CrdGenerator.WriteFiles(directory);
        }

        var problems = StaleFiles(directory, generated);
        Assert.That(problems, Is.Empty,
            $"config/crd differs from the generator. Regenerate with: {UpdateVariable}=1 dotnet test test/Terway.Crds.Tests --filter GeneratedCrds\n"
            + string.Join("\n", problems));
    }

    [Test]
    public void StaleFiles_EditedFile_ReportsFirstDifferingLine()
    {
        var directory = Path.Combine(Path.GetTempPath(), "terway-crds-" + Guid.NewGuid().ToString("N"));
        try
        {
            CrdGenerator.WriteFiles(directory);
            var generated = CrdGenerator.GenerateFiles();
            var victim = Path.Combine(directory, CrdGenerator.FileName(typeof(Terway.Crds.V1Beta1.V1Beta1PodEni)));
            File.WriteAllText(victim, File.ReadAllText(victim).Replace("scope: Namespaced", "scope: Cluster", StringComparison.Ordinal));
            File.WriteAllText(Path.Combine(directory, "extra.yaml"), "a: b\n");

            var problems = StaleFiles(directory, generated);

            Assert.That(problems, Has.Some.Contains("scope: Namespaced").And.Some.Contains("extra.yaml"));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Test]
    public void EmbeddedManifests_ComparedWithGenerator_AreEqual()
    {
        var generated = CrdGenerator.GenerateFiles().Where(f => f.Key != CrdGenerator.KustomizationFileName).ToDictionary();

        Assert.That(CrdManifests.Files, Is.EquivalentTo(generated),
            "the CRDs embedded in Terway.Crds are stale; regenerate config/crd and rebuild");
    }

    private static List<string> StaleFiles(string directory, IReadOnlyDictionary<string, string> generated)
    {
        var problems = new List<string>();
        foreach (var (name, expected) in generated)
        {
            var path = Path.Combine(directory, name);
            if (!File.Exists(path))
            {
                problems.Add($"{name}: missing");
                continue;
            }

            var actualLines = File.ReadAllText(path).Split('\n');
            var expectedLines = expected.Split('\n');
            for (var i = 0; i < Math.Max(actualLines.Length, expectedLines.Length); i++)
            {
                var e = i < expectedLines.Length ? expectedLines[i] : "<end of file>";
                var a = i < actualLines.Length ? actualLines[i] : "<end of file>";
                if (e != a)
                {
                    problems.Add($"{name}:{i + 1}: expected '{e}', found '{a}'");
                    break;
                }
            }
        }

        foreach (var path in Directory.Exists(directory) ? Directory.GetFiles(directory, "*.yaml") : [])
        {
            if (!generated.ContainsKey(Path.GetFileName(path)))
            {
                problems.Add($"{Path.GetFileName(path)}: not produced by the generator");
            }
        }

        return problems;
    }
}
