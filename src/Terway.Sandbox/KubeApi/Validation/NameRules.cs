using System.Text.RegularExpressions;

namespace Terway.Sandbox.KubeApi.Validation;

/// <summary>How a kind's object names are checked (apimachinery's name validators).</summary>
internal enum NameRule
{
    DnsSubdomain,
    DnsLabel,
    PathSegment,
    None,
}

/// <summary>Name, label and annotation syntax rules with the real server's messages.</summary>
internal static partial class NameRules
{
    private const string Dns1123LabelFmt = "[a-z0-9]([-a-z0-9]*[a-z0-9])?";
    private const string Dns1123SubdomainFmt = Dns1123LabelFmt + "(\\." + Dns1123LabelFmt + ")*";
    private const string QualifiedNameFmt = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]";
    private const string LabelValueFmt = "(" + QualifiedNameFmt + ")?";

    [GeneratedRegex("^" + Dns1123LabelFmt + "$")]
    private static partial Regex Dns1123Label();

    [GeneratedRegex("^" + Dns1123SubdomainFmt + "$")]
    private static partial Regex Dns1123Subdomain();

    [GeneratedRegex("^" + QualifiedNameFmt + "$")]
    private static partial Regex QualifiedName();

    [GeneratedRegex("^" + LabelValueFmt + "$")]
    private static partial Regex LabelValue();

    public static readonly string SubdomainMessage =
        "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '" + Dns1123SubdomainFmt + "')";

    public static readonly string LabelMessage =
        "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '" + Dns1123LabelFmt + "')";

    /// <summary>The problems with <paramref name="name"/> as a DNS-1123 subdomain (empty when valid).</summary>
    public static List<string> SubdomainErrors(string name)
    {
        var errs = new List<string>();
        if (name.Length > 253)
        {
            errs.Add("must be no more than 253 characters");
        }

        if (!Dns1123Subdomain().IsMatch(name))
        {
            errs.Add(SubdomainMessage);
        }

        return errs;
    }

    public static List<string> LabelErrors(string name)
    {
        var errs = new List<string>();
        if (name.Length > 63)
        {
            errs.Add("must be no more than 63 characters");
        }

        if (!Dns1123Label().IsMatch(name))
        {
            errs.Add(LabelMessage);
        }

        return errs;
    }

    public static List<string> PathSegmentErrors(string name)
    {
        if (name is "." or "..")
        {
            return [$"may not be '{name}'"];
        }

        var errs = new List<string>();
        foreach (var illegal in new[] { "/", "%" })
        {
            if (name.Contains(illegal, StringComparison.Ordinal))
            {
                errs.Add($"may not contain '{illegal}'");
            }
        }

        return errs;
    }

    public static List<string> NameErrors(NameRule rule, string name) => rule switch
    {
        NameRule.DnsSubdomain => SubdomainErrors(name),
        NameRule.DnsLabel => LabelErrors(name),
        NameRule.PathSegment => PathSegmentErrors(name),
        _ => [],
    };

    /// <summary>Checks a qualified name (label/annotation key); null when valid, else the joined messages.</summary>
    public static string? QualifiedNameError(string value)
    {
        var errs = QualifiedNameErrors(value);
        return errs.Count == 0 ? null : string.Join("; ", errs);
    }

    public static List<string> QualifiedNameErrors(string value)
    {
        var errs = new List<string>();
        var parts = value.Split('/');
        string name;
        switch (parts.Length)
        {
            case 1:
                name = parts[0];
                break;
            case 2:
                var prefix = parts[0];
                name = parts[1];
                if (prefix.Length == 0)
                {
                    errs.Add("prefix part must be non-empty");
                }
                else
                {
                    foreach (var m in SubdomainErrors(prefix))
                    {
                        errs.Add("prefix part " + m);
                    }
                }

                break;
            default:
                errs.Add("a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '" + QualifiedNameFmt + "') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')");
                return errs;
        }

        if (name.Length == 0)
        {
            errs.Add("name part must be non-empty");
        }
        else if (name.Length > 63)
        {
            errs.Add("name part must be no more than 63 characters");
        }

        if (name.Length > 0 && !QualifiedName().IsMatch(name))
        {
            errs.Add("name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '" + QualifiedNameFmt + "')");
        }

        return errs;
    }

    public static string? LabelValueError(string value)
    {
        var errs = LabelValueErrors(value);
        return errs.Count == 0 ? null : string.Join("; ", errs);
    }

    public static List<string> LabelValueErrors(string value)
    {
        var errs = new List<string>();
        if (value.Length > 63)
        {
            errs.Add("must be no more than 63 characters");
        }

        if (!LabelValue().IsMatch(value))
        {
            errs.Add("a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '" + LabelValueFmt + "')");
        }

        return errs;
    }

    public static bool IsDnsSubdomain(string s) => s.Length <= 253 && Dns1123Subdomain().IsMatch(s);

    public static bool IsDnsLabel(string s) => s.Length <= 63 && Dns1123Label().IsMatch(s);
}
