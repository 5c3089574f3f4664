using System.Text.Json.Nodes;
using Terway.Crds.Generation;
using Terway.Crds.Tests.Support;

namespace Terway.Crds.Tests.Generation;

[TestFixture]
public sealed class StructuralSchemaTests
{
    private static IEnumerable<Type> Entities => CrdGenerator.EntityTypes;

    [TestCaseSource(nameof(Entities))]
    public void CheckedInCrd_Schema_IsStructural(Type entity)
    {
        var violations = StructuralSchema.CrdViolations(CheckedInCrds.Load(entity));

        Assert.That(violations, Is.Empty);
    }

    [TestCaseSource(nameof(Entities))]
    public void CheckedInCrd_EveryField_HasDescription(Type entity)
    {
        var missing = new List<string>();
        Collect(CheckedInCrds.Schema(entity), "$", missing);

        Assert.That(missing, Is.Empty);

        static void Collect(JsonObject node, string path, List<string> missing)
        {
            foreach (var (name, child) in node["properties"]?.AsObject() ?? [])
            {
                if (name != "metadata" && child!["description"] is null)
                {
                    missing.Add($"{path}.{name}");
                }

                if (name != "metadata")
                {
                    Collect(child!.AsObject(), $"{path}.{name}", missing);
                }
            }

            if (node["items"] is JsonObject items)
            {
                Collect(items, path + "[]", missing);
            }

            if (node["additionalProperties"] is JsonObject additional)
            {
                Collect(additional, path + "{}", missing);
            }
        }
    }

    private static IEnumerable<TestCaseData> Broken()
    {
        yield return Case("missing type", """{"type":"object","properties":{"a":{"description":"x"}}}""", "no type");
        yield return Case("properties and additionalProperties", """{"type":"object","properties":{"a":{"type":"object","properties":{},"additionalProperties":{"type":"string"}}}}""", "mutually exclusive");
        yield return Case("boolean additionalProperties", """{"type":"object","properties":{"a":{"type":"object","additionalProperties":false}}}""", "must be a schema");
        yield return Case("array without items", """{"type":"object","properties":{"a":{"type":"array"}}}""", "needs items");
        yield return Case("type inside anyOf", """{"type":"object","properties":{"a":{"type":"string","anyOf":[{"type":"string"}]}}}""", "not allowed inside");
        yield return Case("metadata restrictions", """{"type":"object","properties":{"metadata":{"type":"object","properties":{"labels":{"type":"object"}}}}}""", "metadata may only");
        yield return Case("non-object root", """{"type":"string"}""", "root must be");
        yield return Case("default outside enum", """{"type":"object","properties":{"a":{"type":"string","enum":["x"],"default":"y"}}}""", "not in the enum");
        yield return Case("default with unknown key", """{"type":"object","properties":{"a":{"type":"object","properties":{"b":{"type":"string"}},"default":{"c":"d"}}}}""", "pruned");
        yield return Case("required but undeclared", """{"type":"object","required":["x"],"properties":{}}""", "is not a property");
        yield return Case("map list key optional", """{"type":"object","properties":{"c":{"type":"array","x-kubernetes-list-type":"map","x-kubernetes-list-map-keys":["type"],"items":{"type":"object","properties":{"type":{"type":"string"}}}}}}""", "required or defaulted");
        yield return Case("typo keyword", """{"type":"object","properties":{"a":{"type":"string","maxlength":3}}}""", "unknown keyword");
        yield return Case("rule without message", """{"type":"object","x-kubernetes-validations":[{"rule":"true"}],"properties":{}}""", "rule and a message");

        static TestCaseData Case(string name, string json, string expected) =>
            new TestCaseData(json, expected).SetName($"Violations_{name.Replace(' ', '_')}_Reported");
    }

    [TestCaseSource(nameof(Broken))]
    public void Violations_BrokenSchema_Reported(string json, string expected)
    {
        var violations = StructuralSchema.Violations(JsonNode.Parse(json)!.AsObject());

        Assert.That(violations, Has.Some.Contains(expected));
    }
}
