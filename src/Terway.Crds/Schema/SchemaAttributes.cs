namespace Terway.Crds.Schema;

/// <summary>
/// The property's schema lists the <c>const string</c> fields of <see cref="ValuesType"/>
/// (in declaration order) as its <c>enum</c>.
/// </summary>
[AttributeUsage(AttributeTargets.Property, AllowMultiple = false, Inherited = false)]
public sealed class SchemaEnumAttribute : Attribute
{
    /// <summary>Names the constants class that holds the allowed values.</summary>
    /// <param name="valuesType">A static class of <c>const string</c> fields.</param>
    public SchemaEnumAttribute(Type valuesType) => ValuesType = valuesType;

    /// <summary>The constants class.</summary>
    public Type ValuesType { get; }
}

/// <summary>
/// The property's schema <c>default</c>, given as JSON text, e.g. <c>"Elastic"</c> (quoted)
/// or <c>{"eniType":"Default"}</c>.
/// </summary>
[AttributeUsage(AttributeTargets.Property, AllowMultiple = false, Inherited = false)]
public sealed class SchemaDefaultAttribute : Attribute
{
    /// <summary>Declares the default.</summary>
    /// <param name="json">The default value as JSON text.</param>
    public SchemaDefaultAttribute(string json) => Json = json;

    /// <summary>The default value as JSON text.</summary>
    public string Json { get; }
}

/// <summary>The property is listed in its object's <c>required</c>.</summary>
[AttributeUsage(AttributeTargets.Property, AllowMultiple = false, Inherited = false)]
public sealed class SchemaRequiredAttribute : Attribute;

/// <summary>Inclusive lower bound of an integer property (<c>minimum</c>).</summary>
[AttributeUsage(AttributeTargets.Property, AllowMultiple = false, Inherited = false)]
public sealed class SchemaMinimumAttribute : Attribute
{
    /// <summary>Declares the bound.</summary>
    /// <param name="minimum">Smallest allowed value.</param>
    public SchemaMinimumAttribute(long minimum) => Minimum = minimum;

    /// <summary>Smallest allowed value.</summary>
    public long Minimum { get; }
}

/// <summary>
/// A CEL rule (<c>x-kubernetes-validations</c>). On a class it applies wherever the class is
/// used; on a property it applies to that property's value. Rules may use only
/// <c>self</c>, <c>oldSelf</c>, <c>has()</c>, <c>size()</c>, <c>matches()</c>, comparisons
/// and logical operators: the API emulator evaluates exactly that subset.
/// </summary>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Property, AllowMultiple = true, Inherited = false)]
public sealed class CelRuleAttribute : Attribute
{
    /// <summary>Declares a rule.</summary>
    /// <param name="order">Position among the rules on the same node (ascending).</param>
    /// <param name="rule">The CEL expression; must evaluate to true for valid objects.</param>
    /// <param name="message">Error message shown when the rule fails.</param>
    public CelRuleAttribute(int order, string rule, string message)
    {
        Order = order;
        Rule = rule;
        Message = message;
    }

    /// <summary>Position among the rules on the same node.</summary>
    public int Order { get; }

    /// <summary>The CEL expression.</summary>
    public string Rule { get; }

    /// <summary>Error message shown when the rule fails.</summary>
    public string Message { get; }

    /// <summary>Optional <c>fieldPath</c> the error is reported at, relative to the node.</summary>
    public string? FieldPath { get; set; }

    /// <summary>Optional machine-readable <c>reason</c> (e.g. <c>FieldValueInvalid</c>).</summary>
    public string? Reason { get; set; }
}

/// <summary>Most characters a string property may hold (<c>maxLength</c>); bounds CEL cost estimates.</summary>
[AttributeUsage(AttributeTargets.Property, AllowMultiple = false, Inherited = false)]
public sealed class SchemaMaxLengthAttribute : Attribute
{
    /// <summary>Declares the bound.</summary>
    /// <param name="maxLength">Most characters allowed.</param>
    public SchemaMaxLengthAttribute(long maxLength) => MaxLength = maxLength;

    /// <summary>Most characters allowed.</summary>
    public long MaxLength { get; }
}

/// <summary>Most items a list property may hold (<c>maxItems</c>); bounds CEL cost estimates.</summary>
[AttributeUsage(AttributeTargets.Property, AllowMultiple = false, Inherited = false)]
public sealed class SchemaMaxItemsAttribute : Attribute
{
    /// <summary>Declares the bound.</summary>
    /// <param name="maxItems">Most items allowed.</param>
    public SchemaMaxItemsAttribute(long maxItems) => MaxItems = maxItems;

    /// <summary>Most items allowed.</summary>
    public long MaxItems { get; }
}
