using System.Reflection;
using System.Text;
using System.Xml.Linq;

namespace Terway.Crds.Generation;

/// <summary>
/// Reads <c>&lt;summary&gt;</c> texts from the compiler-generated documentation file next to an
/// assembly, so the C# doc comments are the single source of CRD field descriptions.
/// </summary>
internal sealed class XmlDocumentation
{
    private const char ParagraphBreak = '\u2029';
    private readonly Dictionary<string, string> _summaries;

    private XmlDocumentation(Dictionary<string, string> summaries) => _summaries = summaries;

    /// <summary>Loads the documentation file of <paramref name="assembly"/>.</summary>
    public static XmlDocumentation Load(Assembly assembly)
    {
        var path = Path.ChangeExtension(assembly.Location, ".xml");
        if (!File.Exists(path))
        {
            throw new InvalidOperationException(
                $"Documentation file '{path}' not found. The CRD generator takes field descriptions from it; build {assembly.GetName().Name} with GenerateDocumentationFile.");
        }

        return Parse(XDocument.Load(path));
    }

    /// <summary>Parses a documentation file.</summary>
    public static XmlDocumentation Parse(XDocument document)
    {
        var summaries = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var member in document.Descendants("member"))
        {
            var name = member.Attribute("name")?.Value;
            var summary = member.Element("summary");
            if (name is not null && summary is not null)
            {
                summaries[name] = Render(summary);
            }
        }

        return new XmlDocumentation(summaries);
    }

    /// <summary>The summary of a type, or null.</summary>
    public string? Summary(Type type) => _summaries.GetValueOrDefault("T:" + DocumentationId(type));

    /// <summary>The summary of a property, or null.</summary>
    public string? Summary(PropertyInfo property) =>
        _summaries.GetValueOrDefault("P:" + DocumentationId(property.DeclaringType!) + "." + property.Name);

    private static string DocumentationId(Type type) => type.FullName!.Replace('+', '.');

    private static string Render(XElement summary)
    {
        var sb = new StringBuilder();
        Append(sb, summary);
        var paragraphs = sb.ToString()
            .Split(ParagraphBreak)
            .Select(p => string.Join(' ', p.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries)))
            .Where(p => p.Length > 0);
        return string.Join("\n\n", paragraphs);
    }

    private static void Append(StringBuilder sb, XElement element)
    {
        foreach (var node in element.Nodes())
        {
            switch (node)
            {
                case XText text:
                    sb.Append(text.Value);
                    break;
                case XElement { Name.LocalName: "see" or "seealso" } see:
                    var target = see.Attribute("cref")?.Value ?? see.Attribute("langword")?.Value ?? see.Attribute("href")?.Value ?? "";
                    var colon = target.IndexOf(':', StringComparison.Ordinal);
                    var name = see.Attribute("cref") is not null && colon >= 0 ? target[(colon + 1)..] : target;
                    sb.Append(see.Value.Length > 0 ? see.Value : name[(name.LastIndexOf('.') + 1)..]);
                    break;
                case XElement { Name.LocalName: "paramref" or "typeparamref" } reference:
                    sb.Append(reference.Attribute("name")?.Value);
                    break;
                case XElement { Name.LocalName: "para" } para:
                    sb.Append(ParagraphBreak);
                    Append(sb, para);
                    sb.Append(ParagraphBreak);
                    break;
                case XElement other:
                    Append(sb, other);
                    break;
            }
        }
    }
}
