using System.Text.Json.Nodes;
using Terway.Crds.Tests.Support;
using Terway.Crds.Yaml;

namespace Terway.Crds.Tests.Yaml;

[TestFixture]
public sealed class YamlJsonTests
{
    [TestCase("a: 5", """{"a":5}""")]
    [TestCase("a: \"5\"", """{"a":"5"}""")]
    [TestCase("a: 5m0s", """{"a":"5m0s"}""")]
    [TestCase("a: true", """{"a":true}""")]
    [TestCase("a: yes", """{"a":true}""")]
    [TestCase("a: 'yes'", """{"a":"yes"}""")]
    [TestCase("a: off", """{"a":false}""")]
    [TestCase("a: ~", """{"a":null}""")]
    [TestCase("a:", """{"a":null}""")]
    [TestCase("a: 1.5", """{"a":1.5}""")]
    [TestCase("a: 0x1F", """{"a":31}""")]
    [TestCase("a: 0755", """{"a":493}""")]
    [TestCase("a: 192.168.0.1", """{"a":"192.168.0.1"}""")]
    [TestCase("a: 00:16:3e:12:34:56", """{"a":"00:16:3e:12:34:56"}""")]
    [TestCase("a: [x, 1]", """{"a":["x",1]}""")]
    [TestCase("a: !!str 5", """{"a":"5"}""")]
    [TestCase("a: |\n  l1\n  l2\n", """{"a":"l1\nl2\n"}""")]
    public void Parse_Scalar_ResolvedLikeKubectl(string yaml, string json) =>
        Assert.That(YamlJson.Parse(yaml).ToJsonString(), Is.EqualTo(json));

    [Test]
    public void ParseAll_MultiDocument_SkipsEmptyDocuments()
    {
        var documents = YamlJson.ParseAll("---\na: 1\n---\n---\nb: 2\n");

        Assert.That(documents.Select(d => d.ToJsonString()), Is.EqualTo(new[] { """{"a":1}""", """{"b":2}""" }));
    }

    [TestCase("true")]
    [TestCase("True")]
    [TestCase("no")]
    [TestCase("null")]
    [TestCase("~")]
    [TestCase("")]
    [TestCase("5")]
    [TestCase("1e3")]
    [TestCase("0x10")]
    [TestCase("0755")]
    [TestCase(".inf")]
    [TestCase("2024-05-01")]
    [TestCase("- leading dash")]
    [TestCase("a: b")]
    [TestCase("#not a comment")]
    [TestCase(" padded ")]
    [TestCase("line1\nline2")]
    [TestCase("trailing space \nx")]
    [TestCase("self.x.matches('^[-+]?(0|h)$')")]
    [TestCase("\u00B5s")]
    public void Write_StringThatLooksSpecial_ReadsBackAsTheSameString(string text)
    {
        var node = new JsonObject { ["v"] = text };

        var back = YamlJson.Parse(YamlJson.Write(node));

        Assert.That(back["v"]!.GetValue<string>(), Is.EqualTo(text));
    }

    [Test]
    public void Write_Tree_ReadsBackIdentical()
    {
        var tree = JsonNode.Parse("""{"a":{"b":[1,2.5,true,null,"x",{}],"c":[],"d":{"e":"f"}},"g":-3}""");

        var back = YamlJson.Parse(YamlJson.Write(tree, "header"));

        Assert.That(JsonTrees.Differences(tree, back), Is.Empty);
    }

    [Test]
    public void Write_Header_IsACommentBeforeTheDocument()
    {
        var text = YamlJson.Write(new JsonObject { ["a"] = 1 }, "one\ntwo");

        Assert.That(text, Is.EqualTo("# one\n# two\n---\na: 1\n"));
    }

    [Test]
    public void Parse_Numbers_ReadableAsAnyNumericType()
    {
        var node = YamlJson.Parse("a: 4443\nb: 0.5");

        Assert.Multiple(() =>
        {
            Assert.That(node["a"]!.GetValue<int>(), Is.EqualTo(4443));
            Assert.That(node["a"]!.GetValue<long>(), Is.EqualTo(4443L));
            Assert.That(node["b"]!.GetValue<double>(), Is.EqualTo(0.5));
        });
    }

    [Test]
    public void Parse_Infinity_Rejected() => Assert.That(() => YamlJson.Parse("a: .inf"), Throws.TypeOf<FormatException>());
}
