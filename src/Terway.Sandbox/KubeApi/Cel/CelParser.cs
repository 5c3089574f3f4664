using System.Globalization;
using System.Text;

namespace Terway.Sandbox.KubeApi.Cel;

/// <summary>A recursive-descent parser for the CEL grammar (expressions, no declarations).</summary>
internal sealed class CelParser
{
    private readonly List<Token> _tokens;
    private int _pos;

    private enum K { Int, UInt, Double, String, Bytes, Ident, Op, End }

    private sealed record Token(K Kind, string Text, object? Value);

    private CelParser(List<Token> tokens) => _tokens = tokens;

    public static CelExpr Parse(string text)
    {
        var p = new CelParser(Lex(text));
        var e = p.ParseExpr();
        if (p.Peek.Kind != K.End)
        {
            throw new CelUnsupportedException($"unexpected token '{p.Peek.Text}'");
        }

        return e;
    }

    private Token Peek => _tokens[_pos];

    private Token Next() => _tokens[_pos++];

    private bool Accept(string op)
    {
        if (Peek.Kind == K.Op && Peek.Text == op)
        {
            _pos++;
            return true;
        }

        return false;
    }

    private void Expect(string op)
    {
        if (!Accept(op))
        {
            throw new CelUnsupportedException($"expected '{op}' but found '{Peek.Text}'");
        }
    }

    private CelExpr ParseExpr()
    {
        var cond = ParseOr();
        if (Accept("?"))
        {
            var a = ParseOr();
            Expect(":");
            var b = ParseExpr();
            return new CelConditional(cond, a, b);
        }

        return cond;
    }

    private CelExpr ParseOr()
    {
        var l = ParseAnd();
        while (Accept("||"))
        {
            l = new CelBinary("||", l, ParseAnd());
        }

        return l;
    }

    private CelExpr ParseAnd()
    {
        var l = ParseRelation();
        while (Accept("&&"))
        {
            l = new CelBinary("&&", l, ParseRelation());
        }

        return l;
    }

    private CelExpr ParseRelation()
    {
        var l = ParseAddition();
        while (true)
        {
            var t = Peek;
            if ((t.Kind == K.Op && t.Text is "<" or "<=" or ">" or ">=" or "==" or "!=") || (t.Kind == K.Ident && t.Text == "in"))
            {
                _pos++;
                l = new CelBinary(t.Text, l, ParseAddition());
            }
            else
            {
                return l;
            }
        }
    }

    private CelExpr ParseAddition()
    {
        var l = ParseMultiplication();
        while (Peek.Kind == K.Op && Peek.Text is "+" or "-")
        {
            var op = Next().Text;
            l = new CelBinary(op, l, ParseMultiplication());
        }

        return l;
    }

    private CelExpr ParseMultiplication()
    {
        var l = ParseUnary();
        while (Peek.Kind == K.Op && Peek.Text is "*" or "/" or "%")
        {
            var op = Next().Text;
            l = new CelBinary(op, l, ParseUnary());
        }

        return l;
    }

    private CelExpr ParseUnary()
    {
        if (Accept("!"))
        {
            return new CelUnary("!", ParseUnary());
        }

        if (Accept("-"))
        {
            if (Peek.Kind is K.Int or K.Double)
            {
                var t = Next();
                return ParseMemberSuffix(new CelLiteral(t.Value switch { long l => -l, double d => -d, _ => t.Value }));
            }

            return new CelUnary("-", ParseUnary());
        }

        return ParseMember();
    }

    private CelExpr ParseMember() => ParseMemberSuffix(ParsePrimary());

    private CelExpr ParseMemberSuffix(CelExpr e)
    {
        while (true)
        {
            if (Accept("."))
            {
                if (Accept("?"))
                {
                    throw new CelUnsupportedException("optional field selection '.?' is not supported");
                }

                var name = Next();
                if (name.Kind != K.Ident)
                {
                    throw new CelUnsupportedException($"expected field name but found '{name.Text}'");
                }

                if (Accept("("))
                {
                    var args = ParseArgs(")");
                    e = MakeMethod(e, name.Text, args);
                }
                else
                {
                    e = new CelSelect(e, name.Text);
                }
            }
            else if (Accept("["))
            {
                var idx = ParseExpr();
                Expect("]");
                e = new CelIndex(e, idx);
            }
            else
            {
                return e;
            }
        }
    }

    private static CelExpr MakeMethod(CelExpr target, string name, List<CelExpr> args)
    {
        switch (name)
        {
            case "all" or "exists" or "exists_one" or "map" or "filter":
                if (args.Count is < 2 or > 3 || args[0] is not CelIdent v)
                {
                    throw new CelUnsupportedException($"invalid {name} macro");
                }

                if (name == "map" && args.Count == 3)
                {
                    return new CelMacro("map", target, v.Name, args[1], args[2]);
                }

                if (args.Count == 3)
                {
                    throw new CelUnsupportedException($"invalid {name} macro");
                }

                return new CelMacro(name, target, v.Name, null, args[1]);
            default:
                return new CelCall(target, name, args);
        }
    }

    private List<CelExpr> ParseArgs(string close)
    {
        var args = new List<CelExpr>();
        if (Accept(close))
        {
            return args;
        }

        while (true)
        {
            args.Add(ParseExpr());
            if (Accept(close))
            {
                return args;
            }

            Expect(",");
            if (Accept(close))
            {
                return args;
            }
        }
    }

    private CelExpr ParsePrimary()
    {
        var t = Next();
        switch (t.Kind)
        {
            case K.Int or K.UInt or K.Double or K.String or K.Bytes:
                return new CelLiteral(t.Value);
            case K.Ident:
                switch (t.Text)
                {
                    case "true": return new CelLiteral(true);
                    case "false": return new CelLiteral(false);
                    case "null": return new CelLiteral(null);
                }

                if (Accept("("))
                {
                    var args = ParseArgs(")");
                    if (t.Text == "has")
                    {
                        if (args.Count != 1 || args[0] is not CelSelect sel)
                        {
                            throw new CelUnsupportedException("invalid argument to has() macro");
                        }

                        return new CelHas(sel.Operand, sel.Field);
                    }

                    return new CelCall(null, t.Text, args);
                }

                return new CelIdent(t.Text);
            case K.Op when t.Text == "(":
                {
                    var e = ParseExpr();
                    Expect(")");
                    return e;
                }

            case K.Op when t.Text == "[":
                return new CelList(ParseArgs("]"));
            case K.Op when t.Text == "{":
                {
                    var entries = new List<(CelExpr, CelExpr)>();
                    if (!Accept("}"))
                    {
                        while (true)
                        {
                            var k = ParseExpr();
                            Expect(":");
                            entries.Add((k, ParseExpr()));
                            if (Accept("}"))
                            {
                                break;
                            }

                            Expect(",");
                            if (Accept("}"))
                            {
                                break;
                            }
                        }
                    }

                    return new CelMap(entries);
                }

            case K.Op when t.Text == ".":
                return ParsePrimary();
            default:
                throw new CelUnsupportedException($"unexpected token '{t.Text}'");
        }
    }

    private static List<Token> Lex(string s)
    {
        var tokens = new List<Token>();
        var i = 0;
        while (i < s.Length)
        {
            var c = s[i];
            if (char.IsWhiteSpace(c))
            {
                i++;
                continue;
            }

            if (c == '/' && i + 1 < s.Length && s[i + 1] == '/')
            {
                while (i < s.Length && s[i] != '\n')
                {
                    i++;
                }

                continue;
            }

            if (char.IsAsciiDigit(c) || (c == '.' && i + 1 < s.Length && char.IsAsciiDigit(s[i + 1])))
            {
                tokens.Add(LexNumber(s, ref i));
                continue;
            }

            if ((c is 'r' or 'R' or 'b' or 'B') && i + 1 < s.Length && (s[i + 1] is '"' or '\'' || (s[i + 1] is 'r' or 'R' or 'b' or 'B' && i + 2 < s.Length && s[i + 2] is '"' or '\'')))
            {
                var raw = false;
                var bytes = false;
                while (s[i] is 'r' or 'R' or 'b' or 'B')
                {
                    raw |= s[i] is 'r' or 'R';
                    bytes |= s[i] is 'b' or 'B';
                    i++;
                }

                var str = LexString(s, ref i, raw);
                tokens.Add(bytes ? new Token(K.Bytes, str, Encoding.UTF8.GetBytes(str)) : new Token(K.String, str, str));
                continue;
            }

            if (c is '"' or '\'')
            {
                var str = LexString(s, ref i, false);
                tokens.Add(new Token(K.String, str, str));
                continue;
            }

            if (char.IsAsciiLetter(c) || c == '_')
            {
                var start = i;
                while (i < s.Length && (char.IsAsciiLetterOrDigit(s[i]) || s[i] == '_'))
                {
                    i++;
                }

                tokens.Add(new Token(K.Ident, s[start..i], null));
                continue;
            }

            var two = i + 1 < s.Length ? s.Substring(i, 2) : "";
            if (two is "&&" or "||" or "<=" or ">=" or "==" or "!=")
            {
                tokens.Add(new Token(K.Op, two, null));
                i += 2;
                continue;
            }

            if ("+-*/%!<>?:.,()[]{}".Contains(c, StringComparison.Ordinal))
            {
                tokens.Add(new Token(K.Op, c.ToString(), null));
                i++;
                continue;
            }

            throw new CelUnsupportedException($"unexpected character '{c}'");
        }

        tokens.Add(new Token(K.End, "<end>", null));
        return tokens;
    }

    private static Token LexNumber(string s, ref int i)
    {
        var start = i;
        if (s[i] == '0' && i + 1 < s.Length && s[i + 1] is 'x' or 'X')
        {
            i += 2;
            while (i < s.Length && char.IsAsciiHexDigit(s[i]))
            {
                i++;
            }

            var hex = long.Parse(s.AsSpan(start + 2, i - start - 2), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            if (i < s.Length && s[i] is 'u' or 'U')
            {
                i++;
                return new Token(K.UInt, s[start..i], (ulong)hex);
            }

            return new Token(K.Int, s[start..i], hex);
        }

        var isDouble = false;
        while (i < s.Length && (char.IsAsciiDigit(s[i]) || s[i] == '.' || s[i] is 'e' or 'E' || ((s[i] is '+' or '-') && s[i - 1] is 'e' or 'E')))
        {
            if (s[i] == '.')
            {
                if (i + 1 >= s.Length || !char.IsAsciiDigit(s[i + 1]))
                {
                    break;
                }

                isDouble = true;
            }

            if (s[i] is 'e' or 'E')
            {
                isDouble = true;
            }

            i++;
        }

        var text = s[start..i];
        if (isDouble)
        {
            return new Token(K.Double, text, double.Parse(text, CultureInfo.InvariantCulture));
        }

        if (i < s.Length && s[i] is 'u' or 'U')
        {
            i++;
            return new Token(K.UInt, text, ulong.Parse(text, CultureInfo.InvariantCulture));
        }

        return new Token(K.Int, text, long.Parse(text, CultureInfo.InvariantCulture));
    }

    private static string LexString(string s, ref int i, bool raw)
    {
        var q = s[i];
        var triple = i + 2 < s.Length && s[i + 1] == q && s[i + 2] == q;
        i += triple ? 3 : 1;
        var sb = new StringBuilder();
        while (true)
        {
            if (i >= s.Length)
            {
                throw new CelUnsupportedException("unterminated string literal");
            }

            if (triple ? (i + 2 < s.Length && s[i] == q && s[i + 1] == q && s[i + 2] == q) : s[i] == q)
            {
                i += triple ? 3 : 1;
                return sb.ToString();
            }

            if (s[i] == '\\' && !raw)
            {
                i++;
                var e = s[i++];
                switch (e)
                {
                    case 'n': sb.Append('\n'); break;
                    case 't': sb.Append('\t'); break;
                    case 'r': sb.Append('\r'); break;
                    case '\\': sb.Append('\\'); break;
                    case '"': sb.Append('"'); break;
                    case '\'': sb.Append('\''); break;
                    case 'u':
                        sb.Append((char)int.Parse(s.AsSpan(i, 4), NumberStyles.HexNumber, CultureInfo.InvariantCulture));
                        i += 4;
                        break;
                    default: sb.Append('\\').Append(e); break;
                }

                continue;
            }

            sb.Append(s[i++]);
        }
    }
}
