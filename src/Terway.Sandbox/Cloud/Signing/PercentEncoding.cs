using System.Text;

namespace Terway.Sandbox.Cloud.Signing;

/// <summary>
/// The RFC 3986 percent-encoding both Alibaba signature algorithms canonicalise with, and the
/// form decoding the server applies to what arrives on the wire.
/// </summary>
internal static class PercentEncoding
{
    private const string Hex = "0123456789ABCDEF";

    /// <summary>Encodes UTF-8 bytes; only A-Z a-z 0-9 - _ . ~ stay literal, hex is uppercase.</summary>
    public static string Encode(string value)
    {
        var needs = false;
        foreach (var c in value)
        {
            if (!IsUnreserved(c))
            {
                needs = true;
                break;
            }
        }

        if (!needs)
        {
            return value;
        }

        var bytes = Encoding.UTF8.GetBytes(value);
        var sb = new StringBuilder(bytes.Length * 3);
        foreach (var b in bytes)
        {
            if (b < 0x80 && IsUnreserved((char)b))
            {
                sb.Append((char)b);
            }
            else
            {
                sb.Append('%').Append(Hex[b >> 4]).Append(Hex[b & 0xF]);
            }
        }

        return sb.ToString();
    }

    /// <summary>
    /// Decodes one component of a query string or form body the way a servlet-style server does:
    /// <c>+</c> is a space, <c>%XY</c> is a byte, bytes are UTF-8. A malformed escape is kept
    /// literally (so the signature check, not the parser, rejects it).
    /// </summary>
    public static string Decode(ReadOnlySpan<char> component)
    {
        if (component.IndexOfAny('%', '+') < 0)
        {
            return component.ToString();
        }

        var bytes = new byte[Encoding.UTF8.GetMaxByteCount(component.Length)];
        var n = 0;
        var i = 0;
        while (i < component.Length)
        {
            var c = component[i];
            if (c == '+')
            {
                bytes[n++] = (byte)' ';
                i++;
            }
            else if (c == '%' && i + 2 < component.Length && HexValue(component[i + 1]) >= 0 && HexValue(component[i + 2]) >= 0)
            {
                bytes[n++] = (byte)((HexValue(component[i + 1]) << 4) | HexValue(component[i + 2]));
                i += 3;
            }
            else
            {
                // Copy a run of literal characters (keeping surrogate pairs together) as UTF-8.
                var start = i;
                while (i < component.Length && component[i] != '+' && component[i] != '%')
                {
                    i++;
                }

                if (start == i)
                {
                    i++; // a lone '%' that does not start an escape
                }

                n += Encoding.UTF8.GetBytes(component[start..i], bytes.AsSpan(n));
            }
        }

        return Encoding.UTF8.GetString(bytes, 0, n);
    }

    /// <summary>Splits <c>a=1&amp;b=2</c> (without a leading <c>?</c>) into decoded pairs, in order.</summary>
    public static List<KeyValuePair<string, string>> ParsePairs(string raw)
    {
        var result = new List<KeyValuePair<string, string>>();
        var span = raw.AsSpan();
        if (span.Length > 0 && span[0] == '?')
        {
            span = span[1..];
        }

        while (span.Length > 0)
        {
            var amp = span.IndexOf('&');
            var part = amp < 0 ? span : span[..amp];
            span = amp < 0 ? [] : span[(amp + 1)..];
            if (part.Length == 0)
            {
                continue;
            }

            var eq = part.IndexOf('=');
            var name = eq < 0 ? part : part[..eq];
            var value = eq < 0 ? [] : part[(eq + 1)..];
            result.Add(new KeyValuePair<string, string>(Decode(name), Decode(value)));
        }

        return result;
    }

    private static bool IsUnreserved(char c) =>
        c is (>= 'A' and <= 'Z') or (>= 'a' and <= 'z') or (>= '0' and <= '9') or '-' or '_' or '.' or '~';

    private static int HexValue(char c) => c switch
    {
        >= '0' and <= '9' => c - '0',
        >= 'A' and <= 'F' => c - 'A' + 10,
        >= 'a' and <= 'f' => c - 'a' + 10,
        _ => -1,
    };
}
