using System.Text.RegularExpressions;
using Terway.Crds.Durations;

namespace Terway.Crds.Tests.Durations;

[TestFixture]
public sealed class GoDurationTests
{
    private const long Ns = 1;
    private const long Us = 1_000;
    private const long Ms = 1_000_000;
    private const long S = 1_000_000_000;
    private const long M = 60 * S;
    private const long H = 60 * M;

    // Expected values are what Go's time.ParseDuration returns.
    [TestCase("5m0s", 5 * M)]
    [TestCase("5m", 5 * M)]
    [TestCase("1h30m", H + (30 * M))]
    [TestCase("1h30m0s", H + (30 * M))]
    [TestCase("0", 0)]
    [TestCase("+0", 0)]
    [TestCase("-0", 0)]
    [TestCase("0s", 0)]
    [TestCase("300ms", 300 * Ms)]
    [TestCase("1.5s", 1500 * Ms)]
    [TestCase(".5s", 500 * Ms)]
    [TestCase("1.s", S)]
    [TestCase("2h45m30.5s", (2 * H) + (45 * M) + (30 * S) + (500 * Ms))]
    [TestCase("1us", Us)]
    [TestCase("1\u00B5s", Us)]
    [TestCase("1\u03BCs", Us)]
    [TestCase("7ns", 7 * Ns)]
    [TestCase("-1.5h", -((3 * H) / 2))]
    [TestCase("+10s", 10 * S)]
    [TestCase("1h1h", 2 * H)]
    [TestCase("0.000000001s", 1)]
    [TestCase("1.0000000001s", S)]
    [TestCase("9223372036854775807ns", long.MaxValue)]
    [TestCase("-9223372036854775808ns", long.MinValue)]
    [TestCase("2562047h47m16.854775807s", long.MaxValue)]
    public void TryParseNanoseconds_GoDuration_ReturnsGoValue(string text, long expected)
    {
        Assert.Multiple(() =>
        {
            Assert.That(GoDuration.TryParseNanoseconds(text, out var ns), Is.True);
            Assert.That(ns, Is.EqualTo(expected));
        });
    }

    [TestCase("")]
    [TestCase("5")]
    [TestCase("00")]
    [TestCase("-")]
    [TestCase(".")]
    [TestCase(".s")]
    [TestCase("5 m")]
    [TestCase(" 5m")]
    [TestCase("5m ")]
    [TestCase("5d")]
    [TestCase("5M")]
    [TestCase("m5")]
    [TestCase("5mss")]
    [TestCase("1e3s")]
    [TestCase("--5s")]
    [TestCase("5m-3s")]
    [TestCase("9223372036854775808ns")]
    [TestCase("2562048h")]
    [TestCase("99999999999999999999s")]
    public void TryParseNanoseconds_NotAGoDuration_ReturnsFalse(string text) =>
        Assert.That(GoDuration.TryParseNanoseconds(text, out _), Is.False);

    [Test]
    public void TryParseNanoseconds_Null_ReturnsFalse() => Assert.That(GoDuration.TryParseNanoseconds(null, out _), Is.False);

    // The CRD's CEL rule uses Pattern; it must agree with the parser on everything except overflow.
    [TestCase("5m0s")]
    [TestCase("1h30m")]
    [TestCase("0")]
    [TestCase("-0")]
    [TestCase("1.s")]
    [TestCase(".5s")]
    [TestCase("1\u00B5s")]
    [TestCase("1\u03BCs")]
    [TestCase("3h2m1s4ms5us6ns")]
    [TestCase("")]
    [TestCase("5")]
    [TestCase("00")]
    [TestCase(".")]
    [TestCase("5 m")]
    [TestCase("5d")]
    [TestCase("5mss")]
    [TestCase("1e3s")]
    [TestCase("+")]
    [TestCase("-.s")]
    public void Pattern_AgreesWithParser(string text) =>
        Assert.That(Regex.IsMatch(text, GoDuration.Pattern), Is.EqualTo(GoDuration.TryParseNanoseconds(text, out _)));

    [Test]
    public void Pattern_Overflow_IsTheOneKnownDisagreement()
    {
        const string text = "9999999999999999999h";

        Assert.Multiple(() =>
        {
            Assert.That(Regex.IsMatch(text, GoDuration.Pattern), Is.True);
            Assert.That(GoDuration.TryParseNanoseconds(text, out _), Is.False);
        });
    }

    // Expected strings are what Go's Duration.String returns.
    [TestCase(0, "0s")]
    [TestCase(1, "1ns")]
    [TestCase(999, "999ns")]
    [TestCase(1_000, "1\u00B5s")]
    [TestCase(1_500, "1.5\u00B5s")]
    [TestCase(1_100_000, "1.1ms")]
    [TestCase(999_999_999, "999.999999ms")]
    [TestCase(1_000_000_000, "1s")]
    [TestCase(1_500_000_000, "1.5s")]
    [TestCase(5 * M, "5m0s")]
    [TestCase(H + (30 * M), "1h30m0s")]
    [TestCase(72 * H, "72h0m0s")]
    [TestCase((2 * H) + (3 * S) + 1, "2h0m3.000000001s")]
    [TestCase(-(5 * M), "-5m0s")]
    [TestCase(-1, "-1ns")]
    [TestCase(long.MaxValue, "2562047h47m16.854775807s")]
    [TestCase(long.MinValue, "-2562047h47m16.854775808s")]
    public void Format_Nanoseconds_MatchesGo(long nanoseconds, string expected) =>
        Assert.That(GoDuration.Format(nanoseconds), Is.EqualTo(expected));

    [TestCase("5m0s")]
    [TestCase("1h30m0s")]
    [TestCase("1.5s")]
    [TestCase("-2h0m0.25s")]
    public void FormatThenParse_TimeSpan_RoundTrips(string text)
    {
        var parsed = GoDuration.Parse(text);

        Assert.That(GoDuration.Format(parsed), Is.EqualTo(text));
    }

    [Test]
    public void Parse_Invalid_ThrowsFormatExceptionNamingTheText() =>
        Assert.That(() => GoDuration.Parse("5 minutes"), Throws.TypeOf<FormatException>().With.Message.Contains("5 minutes"));

    [Test]
    public void TryParse_SubTickPrecision_TruncatesToTicks()
    {
        Assert.Multiple(() =>
        {
            Assert.That(GoDuration.TryParse("150ns", out var d), Is.True);
            Assert.That(d.Ticks, Is.EqualTo(1));
        });
    }
}
