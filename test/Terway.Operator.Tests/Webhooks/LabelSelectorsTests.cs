using k8s.Models;
using Terway.Operator.Webhooks.Selectors;

namespace Terway.Operator.Tests.Webhooks;

[TestFixture]
public sealed class LabelSelectorsTests
{
    private static readonly Dictionary<string, string> Labels = new() { ["app"] = "web", ["tier"] = "front" };

    private static V1LabelSelector Expr(string key, string op, params string[] values) =>
        new() { MatchExpressions = [new V1LabelSelectorRequirement { Key = key, OperatorProperty = op, Values = values.Length == 0 ? null : values }] };

    [Test]
    public void Matches_EmptySelector_MatchesEverything() =>
        Assert.That(LabelSelectors.Matches(new V1LabelSelector(), Labels), Is.True);

    [TestCase("app", "web", true)]
    [TestCase("app", "db", false)]
    [TestCase("zone", "a", false)]
    public void Matches_MatchLabels_EqualityOnEveryKey(string key, string value, bool expected) =>
        Assert.That(LabelSelectors.Matches(new V1LabelSelector { MatchLabels = new Dictionary<string, string> { [key] = value } }, Labels), Is.EqualTo(expected));

    [TestCase("app", "In", new[] { "web", "api" }, true)]
    [TestCase("app", "In", new[] { "db" }, false)]
    [TestCase("missing", "In", new[] { "x" }, false)]
    [TestCase("app", "NotIn", new[] { "db" }, true)]
    [TestCase("app", "NotIn", new[] { "web" }, false)]
    [TestCase("missing", "NotIn", new[] { "x" }, true)]
    [TestCase("app", "Exists", new string[0], true)]
    [TestCase("missing", "Exists", new string[0], false)]
    [TestCase("missing", "DoesNotExist", new string[0], true)]
    [TestCase("app", "DoesNotExist", new string[0], false)]
    public void Matches_Expressions_KubernetesSemantics(string key, string op, string[] values, bool expected) =>
        Assert.That(LabelSelectors.Matches(Expr(key, op, values), Labels), Is.EqualTo(expected));

    [Test]
    public void Matches_LabelsAndExpressions_AllMustHold()
    {
        var selector = Expr("tier", "In", "back");
        selector.MatchLabels = new Dictionary<string, string> { ["app"] = "web" };

        Assert.That(LabelSelectors.Matches(selector, Labels), Is.False);
    }

    [Test]
    public void Matches_InvalidSelector_MatchesNothing() =>
        Assert.That(LabelSelectors.Matches(Expr("app", "Like", "web"), Labels), Is.False);

    [TestCase("app", "Foo", new[] { "x" }, "matchExpressions[0].operator", "'Foo' is not a valid selector operator")]
    [TestCase("app", "In", new string[0], "matchExpressions[0].values", "must be specified when operator is In")]
    [TestCase("app", "NotIn", new string[0], "matchExpressions[0].values", "must be specified when operator is NotIn")]
    [TestCase("app", "Exists", new[] { "x" }, "matchExpressions[0].values", "may not be specified when operator is Exists")]
    [TestCase("bad key", "Exists", new string[0], "matchExpressions[0].key", "the name must be 1-63")]
    [TestCase("Example.COM/app", "Exists", new string[0], "matchExpressions[0].key", "the prefix must be a DNS subdomain")]
    [TestCase("app", "In", new[] { "not ok" }, "matchExpressions[0].values[0]", "a label value must be")]
    public void Validate_BadExpression_NamesFieldAndProblem(string key, string op, string[] values, string field, string message)
    {
        var errors = LabelSelectors.Validate(Expr(key, op, values), "spec.selector.podSelector");

        Assert.That(errors, Has.Count.EqualTo(1));
        Assert.That(errors[0].Field, Is.EqualTo("spec.selector.podSelector." + field));
        Assert.That(errors[0].Message, Does.Contain(message));
    }

    [TestCase("example.com/app", "web")]
    [TestCase("app.kubernetes.io/name", "")]
    [TestCase("a", "a-b_c.d")]
    public void Validate_GoodMatchLabels_NoErrors(string key, string value) =>
        Assert.That(LabelSelectors.Validate(new V1LabelSelector { MatchLabels = new Dictionary<string, string> { [key] = value } }, "s"), Is.Empty);

    [Test]
    public void Validate_TooLongValue_Error()
    {
        var errors = LabelSelectors.Validate(new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["app"] = new string('a', 64) } }, "s");

        Assert.That(errors.Single().Field, Is.EqualTo("s.matchLabels[app]"));
    }

    [Test]
    public void Validate_Null_NoErrors() => Assert.That(LabelSelectors.Validate(null, "s"), Is.Empty);
}
