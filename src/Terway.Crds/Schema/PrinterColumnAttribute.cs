namespace Terway.Crds.Schema;

/// <summary>One <c>additionalPrinterColumns</c> entry; columns keep declaration order.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class PrinterColumnAttribute : Attribute
{
    /// <summary>Declares a printer column.</summary>
    /// <param name="order">Position among the columns (ascending); attribute order is not reliable in reflection.</param>
    /// <param name="name">Column header.</param>
    /// <param name="type">A value of <see cref="PrinterColumnTypes"/>.</param>
    /// <param name="jsonPath">Simple JSONPath into the object, e.g. <c>.status.phase</c>.</param>
    public PrinterColumnAttribute(int order, string name, string type, string jsonPath)
    {
        Order = order;
        Name = name;
        Type = type;
        JsonPath = jsonPath;
    }

    /// <summary>Position among the columns.</summary>
    public int Order { get; }

    /// <summary>Column header.</summary>
    public string Name { get; }

    /// <summary>A value of <see cref="PrinterColumnTypes"/>.</summary>
    public string Type { get; }

    /// <summary>JSONPath evaluated against each object.</summary>
    public string JsonPath { get; }

    /// <summary>0 shows the column in the default view; higher only with <c>-o wide</c>.</summary>
    public int Priority { get; set; }

    /// <summary>Human-readable description of the column.</summary>
    public string? Description { get; set; }
}

/// <summary>Types a printer column may declare.</summary>
public static class PrinterColumnTypes
{
    /// <summary>Text.</summary>
    public const string String = "string";

    /// <summary>Whole number.</summary>
    public const string Integer = "integer";

    /// <summary>RFC 3339 timestamp, shown as an age.</summary>
    public const string Date = "date";

    /// <summary>true/false.</summary>
    public const string Boolean = "boolean";
}
