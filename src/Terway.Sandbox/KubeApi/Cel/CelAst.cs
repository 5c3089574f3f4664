namespace Terway.Sandbox.KubeApi.Cel;

/// <summary>Nodes of a parsed CEL expression.</summary>
internal abstract record CelExpr;

internal sealed record CelLiteral(object? Value) : CelExpr;

internal sealed record CelIdent(string Name) : CelExpr;

internal sealed record CelSelect(CelExpr Operand, string Field) : CelExpr;

internal sealed record CelIndex(CelExpr Operand, CelExpr Index) : CelExpr;

/// <summary>A function call; <see cref="Target"/> is set for receiver-style calls (<c>x.f(y)</c>).</summary>
internal sealed record CelCall(CelExpr? Target, string Function, IReadOnlyList<CelExpr> Args) : CelExpr;

internal sealed record CelUnary(string Op, CelExpr Operand) : CelExpr;

internal sealed record CelBinary(string Op, CelExpr Left, CelExpr Right) : CelExpr;

internal sealed record CelConditional(CelExpr Condition, CelExpr Then, CelExpr Else) : CelExpr;

internal sealed record CelList(IReadOnlyList<CelExpr> Items) : CelExpr;

internal sealed record CelMap(IReadOnlyList<(CelExpr Key, CelExpr Value)> Entries) : CelExpr;

/// <summary>A comprehension macro: all, exists, exists_one, map, filter.</summary>
internal sealed record CelMacro(string Kind, CelExpr Range, string Var, CelExpr? Filter, CelExpr Body) : CelExpr;

/// <summary><c>has(x.f)</c>.</summary>
internal sealed record CelHas(CelExpr Operand, string Field) : CelExpr;

/// <summary>The rule uses something outside the supported subset; the message names it.</summary>
internal sealed class CelUnsupportedException(string message) : Exception(message);

/// <summary>The rule failed to evaluate (CEL runtime error such as <c>no such key</c>).</summary>
internal sealed class CelEvalException(string message) : Exception(message);
