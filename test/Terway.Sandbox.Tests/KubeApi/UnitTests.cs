using System.Text.Json.Nodes;
using Terway.Sandbox.KubeApi.Cel;
using Terway.Sandbox.KubeApi.Patching;
using Terway.Sandbox.KubeApi.Schema;
using Terway.Sandbox.KubeApi.Selectors;
using Terway.Sandbox.KubeApi.Tables;

namespace Terway.Sandbox.Tests.KubeApi;

[TestFixture]
public sealed class CelTests
{
    private static object? Eval(string rule, string selfJson, string? oldJson = null, string schemaJson = """{"type":"object"}""")
    {
        var schema = StructuralSchema.Parse((JsonObject)JsonNode.Parse(schemaJson)!);
        var vars = new Dictionary<string, object?> { ["self"] = CelEvaluator.FromJson(JsonNode.Parse(selfJson), schema) };
        if (oldJson != null)
        {
            vars["oldSelf"] = CelEvaluator.FromJson(JsonNode.Parse(oldJson), schema);
        }

        return new CelEvaluator(vars).Eval(CelParser.Parse(rule));
    }

    [TestCase("has(self.a) && self.a == 'x'", """{"a":"x"}""", true)]
    [TestCase("!has(self.b) || size(self.b) == 0", """{"a":"x"}""", true)]
    [TestCase("size(self.l) >= 1 && size(self.l) <= 10", """{"l":[1,2]}""", true)]
    [TestCase("self.l.size() == 3", """{"l":[1,2]}""", false)]
    [TestCase("self.s.matches('^sg-[a-z0-9]+$')", """{"s":"sg-abc"}""", true)]
    [TestCase("self.s.startsWith('vsw-') && self.s.endsWith('z') && self.s.contains('-')", """{"s":"vsw-z"}""", true)]
    [TestCase("self.n > 1 ? self.n < 5 : false", """{"n":3}""", true)]
    [TestCase("self.t in ['Trunk', 'ENI']", """{"t":"ENI"}""", true)]
    [TestCase("'k' in self.m", """{"m":{"k":1}}""", true)]
    [TestCase("self.l.all(x, x > 0)", """{"l":[1,2]}""", true)]
    [TestCase("self.l.exists(x, x == 2)", """{"l":[1,2]}""", true)]
    [TestCase("self.l.exists_one(x, x > 0)", """{"l":[1,2]}""", false)]
    [TestCase("self.l.filter(x, x > 1).size() == 1", """{"l":[1,2]}""", true)]
    [TestCase("self.l.map(x, x * 2)[1] == 4", """{"l":[1,2]}""", true)]
    [TestCase("duration(self.d) >= duration('5m')", """{"d":"1h"}""", true)]
    [TestCase("int('12') + 1 == 13 && string(3) == '3' && double(1) == 1.0", "{}", true)]
    [TestCase("self.b == true && !false", """{"b":true}""", true)]
    [TestCase("self.x / 2 == 2 && self.x % 3 == 1 && -self.x < 0", """{"x":4}""", true)]
    [TestCase("(has(self.e) && self.e) == false", "{}", true)]
    public void Eval_SupportedExpressions(string rule, string self, bool expected) =>
        Assert.That(Eval(rule, self), Is.EqualTo(expected));

    [Test]
    public void Eval_OldSelf_ComparesTransitions()
    {
        Assert.That(Eval("self.v == oldSelf.v", """{"v":1}""", """{"v":1}"""), Is.EqualTo(true));
        Assert.That(Eval("self.v == oldSelf.v", """{"v":2}""", """{"v":1}"""), Is.EqualTo(false));
    }

    [Test]
    public void Eval_MissingKey_RuntimeError()
    {
        var ex = Assert.Throws<CelEvalException>(() => Eval("self.missing == 1", "{}"));
        Assert.That(ex!.Message, Is.EqualTo("no such key: missing"));
    }

    [Test]
    public void Eval_ErrorAbsorbedByShortCircuit()
    {
        Assert.That(Eval("has(self.a) && self.a.b == 1", "{}"), Is.EqualTo(false));
        Assert.That(Eval("self.missing == 1 || true", "{}"), Is.EqualTo(true));
    }

    [Test]
    public void Eval_DateTimeFormat_IsTimestamp()
    {
        var r = Eval("self.t < timestamp('2030-01-01T00:00:00Z')", """{"t":"2025-01-01T00:00:00Z"}""", null,
            """{"type":"object","properties":{"t":{"type":"string","format":"date-time"}}}""");
        Assert.That(r, Is.EqualTo(true));
    }

    [TestCase("self.format(1)")]
    [TestCase("self.a.?b")]
    [TestCase("self = 1")]
    public void Parse_OrEvalOutsideSubset_Unsupported(string rule) =>
        Assert.Throws<CelUnsupportedException>(() => Eval(rule, """{"a":{}}"""));
}

[TestFixture]
public sealed class SelectorParsingTests
{
    private static readonly Dictionary<string, string> Labels = new() { ["app"] = "web", ["tier"] = "fe", ["n"] = "5" };

    [TestCase("app=web", true)]
    [TestCase("app==web,tier=fe", true)]
    [TestCase("app!=web", false)]
    [TestCase("app in (web, db)", true)]
    [TestCase("app notin (web)", false)]
    [TestCase("missing", false)]
    [TestCase("!missing", true)]
    [TestCase("n>4,n<6", true)]
    [TestCase("", true)]
    public void LabelSelector_Matches(string selector, bool expected) =>
        Assert.That(LabelSelector.Parse(selector).Matches(Labels), Is.EqualTo(expected));

    [TestCase("app in web")]
    [TestCase("app=")]
    [TestCase("a b")]
    [TestCase("app=(x")]
    [TestCase("in in (x)y")]
    [TestCase("app=bad value!")]
    public void LabelSelector_Invalid_Throws(string selector)
    {
        if (selector == "app=")
        {
            Assert.That(LabelSelector.Parse(selector).Matches(new Dictionary<string, string> { ["app"] = "" }), Is.True);
            return;
        }

        Assert.Throws<FormatException>(() => LabelSelector.Parse(selector));
    }

    [Test]
    public void FieldSelector_UnknownField_NamedInError()
    {
        var ex = Assert.Throws<FormatException>(() => FieldSelector.Parse("spec.x=1", l => l == "metadata.name" ? l : null));
        Assert.That(ex!.Message, Is.EqualTo("field label not supported: spec.x"));
    }

    [Test]
    public void FieldSelector_EscapedComma()
    {
        var sel = FieldSelector.Parse(@"metadata.name=a\,b", l => l);
        Assert.That(sel.Matches(new Dictionary<string, string> { ["metadata.name"] = "a,b" }), Is.True);
    }
}

[TestFixture]
public sealed class JsonPathAndDurationTests
{
    private static readonly JsonNode Doc = JsonNode.Parse("""{"status":{"conditions":[{"type":"A","status":"False"},{"type":"Ready","status":"True"}],"n":3},"m":{"a/b":"x"}}""")!;

    [TestCase(".status.conditions[?(@.type==\"Ready\")].status", "True")]
    [TestCase(".status.conditions[0].type", "A")]
    [TestCase(".status.conditions[-1].type", "Ready")]
    [TestCase(".status.n", "3")]
    [TestCase(".m['a/b']", "x")]
    [TestCase("{.status.conditions[?(@.status!='False')].type}", "Ready")]
    public void JsonPath_Evaluates(string path, string expected) =>
        Assert.That(JsonPath.Print(JsonPath.Parse(path).Evaluate(Doc)[0]), Is.EqualTo(expected));

    [Test]
    public void JsonPath_NoMatch_Empty() => Assert.That(JsonPath.Parse(".status.missing").Evaluate(Doc), Is.Empty);

    [TestCase(0, "0s")]
    [TestCase(119, "119s")]
    [TestCase(150, "2m30s")]
    [TestCase(600, "10m")]
    [TestCase(3 * 3600 + 120, "3h2m")]
    [TestCase(20 * 3600, "20h")]
    [TestCase(3 * 86400 + 3600, "3d1h")]
    [TestCase(30 * 86400, "30d")]
    [TestCase(3 * 365 * 86400 + 86400, "3y1d")]
    public void HumanDuration_MatchesKubectl(int seconds, string expected) =>
        Assert.That(HumanDuration.Format(TimeSpan.FromSeconds(seconds)), Is.EqualTo(expected));
}

[TestFixture]
public sealed class PatchUnitTests
{
    [Test]
    public void JsonPatch_MoveCopyRemove()
    {
        var doc = JsonNode.Parse("""{"a":{"b":1},"l":[1,2,3]}""");
        var result = JsonPatch.Apply(doc, JsonNode.Parse("""[{"op":"copy","from":"/a/b","path":"/c"},{"op":"move","from":"/l/0","path":"/l/-"},{"op":"remove","path":"/a"}]"""));
        Assert.That(result!.ToJsonString(), Is.EqualTo("""{"l":[2,3,1],"c":1}"""));
    }

    [Test]
    public void JsonPatch_RemoveMissing_Fails() =>
        Assert.Throws<PatchApplyException>(() => JsonPatch.Apply(JsonNode.Parse("{}"), JsonNode.Parse("""[{"op":"remove","path":"/x"}]""")));

    [Test]
    public void StrategicMerge_RetainKeysAndSetElementOrder()
    {
        var orig = (JsonObject)JsonNode.Parse("""{"spec":{"strategy":{"type":"RollingUpdate","rollingUpdate":{"maxSurge":1}},"containers":[{"name":"a"},{"name":"b"}]}}""")!;
        var patch = (JsonObject)JsonNode.Parse("""{"spec":{"strategy":{"$retainKeys":["type"],"type":"Recreate"},"$setElementOrder/containers":[{"name":"b"},{"name":"a"}]}}""")!;
        var r = StrategicMergePatch.Apply(orig, patch);
        Assert.That(r["spec"]!["strategy"]!.ToJsonString(), Is.EqualTo("""{"type":"Recreate"}"""));
        Assert.That(r["spec"]!["containers"]!.AsArray().Select(c => (string?)c!["name"]), Is.EqualTo(new[] { "b", "a" }));
    }

    [Test]
    public void StrategicMerge_ReplaceDirective()
    {
        var orig = (JsonObject)JsonNode.Parse("""{"m":{"a":1,"b":2}}""")!;
        var r = StrategicMergePatch.Apply(orig, (JsonObject)JsonNode.Parse("""{"m":{"$patch":"replace","c":3}}""")!);
        Assert.That(r["m"]!.ToJsonString(), Is.EqualTo("""{"c":3}"""));
    }

    [Test]
    public void MergePatch_Rfc7386Example()
    {
        var target = JsonNode.Parse("""{"a":"b","c":{"d":"e","f":"g"}}""");
        var r = MergePatch.Apply(target, JsonNode.Parse("""{"a":"z","c":{"f":null}}"""));
        Assert.That(r!.ToJsonString(), Is.EqualTo("""{"a":"z","c":{"d":"e"}}"""));
    }
}
