using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Terway.Crds.Durations;
using Terway.Crds.Generation;
using Terway.Crds.Names;
using Terway.Crds.Tests.Support;
using Terway.Crds.V1Beta1;
using Terway.Crds.Versioning;

namespace Terway.Crds.Tests.Generation;

[TestFixture]
public sealed partial class CrdContractTests
{
    private static readonly JsonObject PodNetworking = CheckedInCrds.Schema(typeof(V1Beta1PodNetworking));
    private static readonly JsonObject PodEni = CheckedInCrds.Schema(typeof(V1Beta1PodEni));
    private static readonly JsonObject Node = CheckedInCrds.Schema(typeof(V1Beta1Node));

    private static readonly string[] SpecRules =
    [
        "has(self.securityGroupIDs) && size(self.securityGroupIDs) >= 1 && size(self.securityGroupIDs) <= 10",
        "has(self.vSwitchOptions) && size(self.vSwitchOptions) >= 1",
    ];

    [TestCase(typeof(V1Beta1PodNetworking), "podnetworkings", "PodNetworking", "Cluster")]
    [TestCase(typeof(V1Beta1PodEni), "podenis", "PodENI", "Namespaced")]
    [TestCase(typeof(V1Beta1Node), "nodes", "Node", "Cluster")]
    public void Crd_NamesAndScope_MatchTerway(Type entity, string plural, string kind, string scope)
    {
        var crd = CheckedInCrds.Load(entity);

        Assert.Multiple(() =>
        {
            Assert.That(crd["metadata"]!["name"]!.GetValue<string>(), Is.EqualTo($"{plural}.network.alibabacloud.com"));
            Assert.That(crd["spec"]!["names"]!["kind"]!.GetValue<string>(), Is.EqualTo(kind));
            Assert.That(crd["spec"]!["names"]!["listKind"]!.GetValue<string>(), Is.EqualTo(kind + "List"));
            Assert.That(crd["spec"]!["scope"]!.GetValue<string>(), Is.EqualTo(scope));
            Assert.That(crd["spec"]!["versions"]![0]!["name"]!.GetValue<string>(), Is.EqualTo("v1beta1"));
            Assert.That(crd["spec"]!["versions"]![0]!["subresources"]!["status"], Is.Not.Null);
            Assert.That(crd["spec"]!["names"]!.AsObject().ContainsKey("shortNames"), Is.False, "Terway defines no short names");
        });
    }

    [TestCase(typeof(V1Beta1PodEni), "v0.4.2")]
    [TestCase(typeof(V1Beta1PodNetworking), "v0.1.0")]
    [TestCase(typeof(V1Beta1Node), "v0.10.0")]
    public void Crd_VersionAnnotation_IsAboveTerwaysSoTerwayNeverDowngradesIt(Type entity, string terwayVersion)
    {
        var version = CheckedInCrds.Load(entity)["metadata"]!["annotations"]![Annotations.CrdVersion]!.GetValue<string>();

        Assert.That(CrdVersion.ShouldReplace(terwayVersion, version), Is.True);
    }

    [Test]
    public void PodNetworking_Defaults_AreTerways()
    {
        Assert.Multiple(() =>
        {
            Assert.That(CheckedInCrds.At(PodNetworking, "spec", "eniOptions")["default"]!.ToJsonString(), Is.EqualTo("""{"eniType":"Default"}"""));
            Assert.That(CheckedInCrds.At(PodNetworking, "spec", "eniOptions", "eniType")["default"]!.GetValue<string>(), Is.EqualTo("Default"));
            Assert.That(CheckedInCrds.At(PodNetworking, "spec", "allocationType", "type")["default"]!.GetValue<string>(), Is.EqualTo("Elastic"));
            Assert.That(CheckedInCrds.At(PodNetworking, "spec", "vSwitchSelectOptions")["default"]!.ToJsonString(), Is.EqualTo("""{"vSwitchSelectionPolicy":"ordered"}"""));
            Assert.That(CheckedInCrds.At(PodEni, "spec", "allocations", "[]", "allocationType", "type")["default"]!.GetValue<string>(), Is.EqualTo("Elastic"));
            Assert.That(CheckedInCrds.At(PodNetworking, "spec")["required"]!.ToJsonString(), Is.EqualTo("""["eniOptions"]"""));
        });
    }

    [TestCase("spec", "eniOptions", "eniType", ExpectedResult = "Trunk,ENI,Default")]
    [TestCase("spec", "allocationType", "type", ExpectedResult = "Elastic,Fixed")]
    [TestCase("spec", "allocationType", "releaseStrategy", ExpectedResult = "TTL,Never")]
    [TestCase("spec", "vSwitchSelectOptions", "vSwitchSelectionPolicy", ExpectedResult = "ordered,random,most")]
    public string PodNetworking_Enum_ListsTerwayValues(params string[] path) =>
        string.Join(',', CheckedInCrds.At(PodNetworking, path)["enum"]!.AsArray().Select(v => v!.GetValue<string>()));

    [Test]
    public void Enums_ElsewhereInTerwaysSchemas_AreKept()
    {
        static string Values(JsonObject node) => string.Join(',', node["enum"]!.AsArray().Select(v => v!.GetValue<string>()));

        Assert.Multiple(() =>
        {
            Assert.That(Values(CheckedInCrds.At(PodEni, "status", "eniInfos", "{}", "type")), Is.EqualTo("Secondary,Trunk,Primary,Member"));
            Assert.That(Values(CheckedInCrds.At(Node, "spec", "eni", "vSwitchSelectPolicy")), Is.EqualTo("ordered,random,most"));
            Assert.That(Values(CheckedInCrds.At(Node, "spec", "flavor", "[]", "networkInterfaceTrafficMode")), Is.EqualTo("Standard,HighPerformance"));
            Assert.That(Values(CheckedInCrds.At(Node, "status", "networkInterfaces", "{}", "ipv4", "{}", "status")), Is.EqualTo("Valid,Invalid,Deleting"));
            Assert.That(CheckedInCrds.At(PodEni, "status", "phase").ContainsKey("enum"), Is.False, "phase has no enum in Terway; the empty string is Initial");
        });
    }

    [Test]
    public void PodNetworking_SpecRules_BoundSecurityGroupsAndRequireVSwitches()
    {
        var rules = CheckedInCrds.Rules(CheckedInCrds.At(PodNetworking, "spec"));

        Assert.That(rules, Is.EqualTo(SpecRules));
    }

    [Test]
    public void AllocationType_Rules_PresentOnPodNetworkingAndPodEni()
    {
        var expected = new[]
        {
            "!has(self.releaseStrategy) || self.releaseStrategy != 'Never' || !has(self.releaseAfter) || size(self.releaseAfter) == 0",
            "!has(self.releaseStrategy) || self.releaseStrategy != 'TTL' || (has(self.releaseAfter) && self.releaseAfter.matches('" + GoDuration.Pattern + "'))",
        };

        Assert.Multiple(() =>
        {
            Assert.That(CheckedInCrds.Rules(CheckedInCrds.At(PodNetworking, "spec", "allocationType")), Is.EqualTo(expected));
            Assert.That(CheckedInCrds.Rules(CheckedInCrds.At(PodEni, "spec", "allocations", "[]", "allocationType")), Is.EqualTo(expected));
        });
    }

    [Test]
    public void NodeEni_TransitionRule_KeepsPrefixModeImmutable()
    {
        var rules = CheckedInCrds.Rules(CheckedInCrds.At(Node, "spec", "eni"));

        Assert.That(rules, Has.Exactly(1).Contains("oldSelf.enableIPPrefix"));
    }

    [Test]
    public void AllRules_UseOnlyTheEmulatorsCelSubset()
    {
        var offending = AllRules().Where(r => CelSubsetViolation(r) is not null).Select(r => $"{r}: {CelSubsetViolation(r)}").ToList();

        Assert.That(AllRules(), Is.Not.Empty);
        Assert.That(offending, Is.Empty);
    }

    [TestCase("self.a.startsWith('x')", ExpectedResult = "function startsWith")]
    [TestCase("self.items.all(i, i > 0)", ExpectedResult = "function all")]
    [TestCase("self.a + 1 > 2", ExpectedResult = "character '+'")]
    [TestCase("other.a == 1", ExpectedResult = "identifier other")]
    [TestCase("has(self.a) && self.a.matches('^[+]$') || oldSelf.b != 'x'", ExpectedResult = null)]
    public string? CelSubsetViolation_Expression_Classified(string rule) => CelSubsetViolation(rule);

    [Test]
    public void RulesUsingMatches_HaveBoundedInputs_SoCostEstimationAccepts()
    {
        var unbounded = new List<string>();
        foreach (var entity in CrdGenerator.EntityTypes)
        {
            Walk(CheckedInCrds.Schema(entity), entity.Name, boundedLists: true, unbounded);
        }

        Assert.That(unbounded, Is.Empty);

        static void Walk(JsonObject node, string path, bool boundedLists, List<string> unbounded)
        {
            foreach (var rule in CheckedInCrds.Rules(node))
            {
                foreach (Match m in MatchesTarget().Matches(rule))
                {
                    var field = node["properties"]?[m.Groups[1].Value];
                    if (field?["maxLength"] is null || !boundedLists)
                    {
                        unbounded.Add($"{path}: {m.Value} runs on a string without maxLength or inside a list without maxItems");
                    }
                }
            }

            foreach (var (name, child) in node["properties"]?.AsObject() ?? [])
            {
                Walk(child!.AsObject(), $"{path}.{name}", boundedLists, unbounded);
            }

            if (node["items"] is JsonObject items)
            {
                Walk(items, path + "[]", boundedLists && node.ContainsKey("maxItems"), unbounded);
            }

            if (node["additionalProperties"] is JsonObject additional)
            {
                Walk(additional, path + "{}", boundedLists && node.ContainsKey("maxProperties"), unbounded);
            }
        }
    }

    [TestCase(typeof(V1Beta1PodNetworking), "Status:.status.status", "Ready:.status.conditions[?(@.type==\"Ready\")].status", "Allocation:.spec.allocationType.type", "Age:.metadata.creationTimestamp")]
    [TestCase(typeof(V1Beta1PodEni), "Phase:.status.phase", "IP:.spec.allocations[0].ipv4", "ENI:.spec.allocations[0].eni.id", "Node:.metadata.labels.k8s\\.aliyun\\.com/node", "Age:.metadata.creationTimestamp")]
    [TestCase(typeof(V1Beta1Node), "Instance:.spec.nodeMetadata.instanceID", "Type:.spec.nodeMetadata.instanceType", "ENIs:.status.networkInterfaces.*.id", "Age:.metadata.creationTimestamp")]
    public void PrinterColumns_DefaultView_ShowsTheUsefulFields(Type entity, params string[] expected)
    {
        var columns = CheckedInCrds.Load(entity)["spec"]!["versions"]![0]!["additionalPrinterColumns"]!.AsArray()
            .Where(c => c!["priority"] is null)
            .Select(c => $"{c!["name"]}:{c["jsonPath"]}")
            .ToList();

        Assert.That(columns, Is.EqualTo(expected));
    }

    [Test]
    public void PodEniNodeColumn_JsonPath_UsesTheNodeLabelConstant()
    {
        var escaped = Labels.Node.Replace(".", "\\.", StringComparison.Ordinal);
        var columns = CheckedInCrds.Load(typeof(V1Beta1PodEni))["spec"]!["versions"]![0]!["additionalPrinterColumns"]!.AsArray();

        Assert.That(columns.Select(c => c!["jsonPath"]!.GetValue<string>()), Has.Member(".metadata.labels." + escaped));
    }

    [TestCase(typeof(V1Beta1PodNetworking))]
    [TestCase(typeof(V1Beta1PodEni))]
    [TestCase(typeof(V1Beta1Node))]
    public void Status_HasConditionsListMapAndObservedGeneration(Type entity)
    {
        var status = CheckedInCrds.At(CheckedInCrds.Schema(entity), "status");
        var conditions = CheckedInCrds.At(status, "conditions");

        Assert.Multiple(() =>
        {
            Assert.That(conditions["x-kubernetes-list-type"]!.GetValue<string>(), Is.EqualTo("map"));
            Assert.That(conditions["x-kubernetes-list-map-keys"]!.ToJsonString(), Is.EqualTo("""["type"]"""));
            Assert.That(conditions["items"]!["required"]!.ToJsonString(), Is.EqualTo("""["lastTransitionTime","message","reason","status","type"]"""));
            Assert.That(conditions["items"]!["properties"]!["status"]!["enum"]!.ToJsonString(), Is.EqualTo("""["True","False","Unknown"]"""));
            Assert.That(CheckedInCrds.At(status, "observedGeneration")["format"]!.GetValue<string>(), Is.EqualTo("int64"));
        });
    }

    private static List<string> AllRules()
    {
        var rules = new List<string>();
        foreach (var entity in CrdGenerator.EntityTypes)
        {
            Collect(CheckedInCrds.Schema(entity));
        }

        return rules;

        void Collect(JsonNode? node)
        {
            if (node is JsonObject obj)
            {
                rules.AddRange(CheckedInCrds.Rules(obj));
                foreach (var (key, child) in obj)
                {
                    if (key != "x-kubernetes-validations")
                    {
                        Collect(child);
                    }
                }
            }
        }
    }

    /// <summary>Null when the rule uses only has/size/matches, self/oldSelf, literals, comparisons and logic.</summary>
    private static string? CelSubsetViolation(string rule)
    {
        var code = StringLiteral().Replace(rule, "''");
        foreach (Match call in Call().Matches(code))
        {
            if (call.Groups[1].Value is not ("has" or "size" or "matches"))
            {
                return "function " + call.Groups[1].Value;
            }
        }

        foreach (Match root in RootIdentifier().Matches(code))
        {
            if (root.Groups[1].Value is not ("self" or "oldSelf" or "has" or "size" or "true" or "false" or "null"))
            {
                return "identifier " + root.Groups[1].Value;
            }
        }

        var bad = code.FirstOrDefault(c => !(char.IsAsciiLetterOrDigit(c) || c is '_' or '.' or '(' or ')' or ' ' or '!' or '=' or '<' or '>' or '&' or '|' or '\''));
        return bad == default ? null : $"character '{bad}'";
    }

    [GeneratedRegex(@"'[^']*'")]
    private static partial Regex StringLiteral();

    [GeneratedRegex(@"([A-Za-z_][A-Za-z0-9_]*)\s*\(")]
    private static partial Regex Call();

    [GeneratedRegex(@"(?<![.A-Za-z0-9_])([A-Za-z_][A-Za-z0-9_]*)")]
    private static partial Regex RootIdentifier();

    [GeneratedRegex(@"self\.([A-Za-z0-9_]+)\.matches\(")]
    private static partial Regex MatchesTarget();
}
