using System.Text;
using System.Xml;
using System.Xml.Linq;

namespace HyperSearch.Cli.Reports;

/// <summary>
/// HTML built as an XML tree (System.Xml.Linq) and written by an XmlWriter, so every text and attribute value is
/// escaped by the writer, never by hand. The output is XHTML-compatible HTML: void elements close themselves, no
/// other element does (HTML would read &lt;td/&gt; as an unclosed cell).
/// </summary>
internal static class Html
{
    private static readonly HashSet<string> VoidElements = new(StringComparer.Ordinal) { "br", "hr", "img", "input", "link", "meta" };

    /// <summary>An element; content is what XElement takes: attributes, elements, strings (escaped as text), nulls (skipped).</summary>
    public static XElement Element(string name, params object?[] content)
    {
        var element = new XElement(name, content);
        if (element.IsEmpty && !VoidElements.Contains(name))
        {
            element.Add(string.Empty); // written as <td></td>
        }

        return element;
    }

    public static XAttribute Attribute(string name, object value) => new(name, value);

    /// <summary>The text of a script or style element. HTML reads these elements raw (entities are not decoded), so the
    /// code must hold nothing the writer escapes: it is refused rather than silently broken.</summary>
    public static string RawText(string code) =>
        code.IndexOfAny(['<', '>', '&']) < 0
            ? code
            : throw new ArgumentException("script and style text must not contain <, > or &: the XML writer would escape them and HTML would not decode them", nameof(code));

    /// <summary>An SVG document (e.g. a chart library's output) as an element to place in the page; the XML
    /// declaration goes, and the text inside stays escaped when written again.</summary>
    public static XElement Svg(string svgXml) =>
        XDocument.Parse(svgXml).Root ?? throw new ArgumentException("the SVG has no root element", nameof(svgXml));

    /// <summary>The page: the HTML doctype and the tree, UTF-8 without a byte order mark.</summary>
    public static string Page(XElement html)
    {
        var settings = new XmlWriterSettings { OmitXmlDeclaration = true, Encoding = new UTF8Encoding(false) };
        var text = new StringBuilder();
        using (var writer = XmlWriter.Create(text, settings))
        {
            new XDocument(new XDocumentType("html", null, null, null), html).WriteTo(writer);
        }

        return text.Append('\n').ToString();
    }
}
