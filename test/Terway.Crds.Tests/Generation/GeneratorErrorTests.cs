using System.Text.Json.Serialization;
using System.Xml.Linq;
using Terway.Crds.Generation;
using Terway.Crds.Schema;
using Terway.Crds.V1Beta1;

namespace Terway.Crds.Tests.Generation;

[TestFixture]
public sealed class GeneratorErrorTests
{
    private static XmlDocumentation Docs(params (string Id, string Summary)[] members) =>
        XmlDocumentation.Parse(new XDocument(new XElement("doc", new XElement("members",
            members.Select(m => new XElement("member", new XAttribute("name", m.Id), XElement.Parse($"<summary>{m.Summary}</summary>")))))));

    private static string Id(Type t) => t.FullName!.Replace('+', '.');

    public sealed class Unnamed
    {
        public string? Field { get; set; }
    }

    public sealed class Marked;

    public sealed class Undocumented
    {
        [JsonPropertyName("field")]
        public string? Field { get; set; }
    }

    [Test]
    public void ForRoot_PropertyWithoutJsonName_Throws()
    {
        var builder = new SchemaBuilder(Docs(("T:" + Id(typeof(Unnamed)), "x")));

        Assert.That(() => builder.ForRoot(typeof(Unnamed)), Throws.InvalidOperationException.With.Message.Contains("[JsonPropertyName]"));
    }

    [Test]
    public void ForRoot_PropertyWithoutSummary_Throws()
    {
        var builder = new SchemaBuilder(Docs(("T:" + Id(typeof(Undocumented)), "x")));

        Assert.That(() => builder.ForRoot(typeof(Undocumented)), Throws.InvalidOperationException.With.Message.Contains("<summary>"));
    }

    [Test]
    public void ForRoot_DocumentedProperty_UsesItsSummary()
    {
        var builder = new SchemaBuilder(Docs(("T:" + Id(typeof(Undocumented)), "root"), ("P:" + Id(typeof(Undocumented)) + ".Field", "The field.")));

        var schema = builder.ForRoot(typeof(Undocumented));

        Assert.That(schema["properties"]!["field"]!["description"]!.GetValue<string>(), Is.EqualTo("The field."));
    }

    [TestCase("Text with <c>code</c> and <see cref=\"T:A.B.Thing\"/> and <see langword=\"null\"/>.", "Text with code and Thing and null.")]
    [TestCase("  Many\n   lines\n  folded. ", "Many lines folded.")]
    [TestCase("First.<para>Second.</para>", "First.\n\nSecond.")]
    public void Summary_Markup_RenderedAsPlainText(string xml, string expected)
    {
        var docs = Docs(("T:" + Id(typeof(Marked)), xml));

        Assert.That(docs.Summary(typeof(Marked)), Is.EqualTo(expected));
    }

    [Test]
    public void EnumValues_ConstantsClass_InDeclarationOrder() =>
        Assert.That(SchemaBuilder.EnumValues(typeof(PodEniPhases)), Is.EqualTo(new[] { "", "Bind", "Binding", "Unbind", "Detaching", "Deleting" }));

    [Test]
    public void Generate_TypeWithoutCustomResource_Throws() =>
        Assert.That(() => CrdGenerator.Generate(typeof(PodNetworkingSpec)), Throws.InvalidOperationException);
}
