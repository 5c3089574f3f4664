using System.Buffers.Binary;
using System.Net;
using Terway.NodeAgent.Interop;
using Terway.NodeAgent.Netlink;

namespace Terway.NodeAgent.Tests.Netlink;

[TestFixture]
public sealed class MessageCodecTests
{
    [Test]
    public void Writer_HeaderAttributesAndNesting_EncodedWithLengthsAndAlignment()
    {
        var w = new NetlinkMessageWriter(16);
        w.Begin(Rtm.NEWLINK, Nl.NLM_F_CREATE);
        w.Reserve(Ifla.IfInfoMsgSize)[4] = 7;
        w.String(Ifla.IFNAME, "ab");                    // 4 + 3 bytes, padded to 8
        var nest = w.BeginNested(Ifla.LINKINFO);
        w.StringNoTerminator(Ifla.INFO_KIND, "vlan");   // 8
        w.U16(Ifla.VLAN_ID, 5);                          // 6, padded to 8
        w.EndNested(nest);
        w.AddFlags(Nl.NLM_F_REQUEST | Nl.NLM_F_ACK);
        w.Finish(sequence: 0x01020304, portId: 9);

        var bytes = w.Written.ToArray();
        Assert.Multiple(() =>
        {
            Assert.That(BinaryPrimitives.ReadUInt32LittleEndian(bytes), Is.EqualTo((uint)bytes.Length));
            Assert.That(bytes.Length, Is.EqualTo(16 + 16 + 8 + 4 + 8 + 8));
            Assert.That(BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(4)), Is.EqualTo(Rtm.NEWLINK));
            Assert.That(BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(6)), Is.EqualTo(Nl.NLM_F_CREATE | Nl.NLM_F_REQUEST | Nl.NLM_F_ACK));
            Assert.That(BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(8)), Is.EqualTo(0x01020304u));
            Assert.That(BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(12)), Is.EqualTo(9u));
            Assert.That(bytes[20], Is.EqualTo(7));
            Assert.That(bytes.AsSpan(32, 8).ToArray(), Is.EqualTo(new byte[] { 7, 0, 3, 0, (byte)'a', (byte)'b', 0, 0 }));
            Assert.That(BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(40)), Is.EqualTo(4 + 8 + 8), "a nest covers its last attribute's padding, as iproute2 writes it");
        });
    }

    [Test]
    public void Reader_RoundTripsWriter_IncludingNestedAndAddress()
    {
        var w = new NetlinkMessageWriter();
        w.Begin(Rtm.NEWROUTE, 0);
        w.Reserve(Rta.RtMsgSize);
        w.Address(Rta.GATEWAY, IPAddress.Parse("fe80::1"));
        var nest = w.BeginNested(Rta.METRICS);
        w.U32(2, 1400);
        w.EndNested(nest);
        w.U32(Rta.TABLE, 1003);
        w.Finish(1);

        var reader = new NetlinkMessageReader(w.Written);
        Assert.That(reader.TryRead(out var message), Is.True);
        Assert.That(message.Type, Is.EqualTo(Rtm.NEWROUTE));
        var attributes = new NetlinkAttributeReader(message.Payload[Rta.RtMsgSize..]);
        var seen = new List<string>();
        while (attributes.TryRead(out var type, out var value))
        {
            seen.Add(type switch
            {
                Rta.GATEWAY => $"gw {NlValue.Address(value)}",
                Rta.METRICS => $"metrics {Nested(value)}",
                Rta.TABLE => $"table {NlValue.U32(value)}",
                _ => $"? {type}",
            });
        }

        Assert.That(seen, Is.EqualTo(new[] { "gw fe80::1", "metrics 2=1400", "table 1003" }));
        Assert.That(reader.TryRead(out _), Is.False);
    }

    [Test]
    public void Reader_TruncatedAttribute_StopsWithoutReadingPastTheEnd()
    {
        byte[] data = [8, 0, 3, 0, (byte)'a', 0, 0, 0, 40, 0, 4, 0, 1, 2];
        var reader = new NetlinkAttributeReader(data);
        Assert.That(reader.TryRead(out var type, out _), Is.True);
        Assert.That(type, Is.EqualTo(3));
        Assert.That(reader.TryRead(out _, out _), Is.False);
    }

    [TestCase(17, "EEXIST")]
    [TestCase(2, "ENOENT")]
    [TestCase(95, "EOPNOTSUPP")]
    [TestCase(101, "ENETUNREACH")]
    [TestCase(999, "E999")]
    public void Errno_Name_MatchesLinux(int errno, string name) => Assert.That(Errno.Name(errno), Is.EqualTo(name));

    [Test]
    public void NetlinkException_Message_NamesOperationErrnoAndKernelText()
    {
        var e = new NetlinkException("RTM_NEWLINK veth cali1234", 17);
        var withText = new NetlinkException("RTM_NEWROUTE default", 22, "Nexthop has invalid gateway");
        Assert.Multiple(() =>
        {
            Assert.That(e.Message, Is.EqualTo("RTM_NEWLINK veth cali1234 failed: EEXIST (17)"));
            Assert.That(e.IsExists, Is.True);
            Assert.That(withText.Message, Is.EqualTo("RTM_NEWROUTE default failed: EINVAL (22): Nexthop has invalid gateway"));
        });
    }

    private static string Nested(ReadOnlySpan<byte> value)
    {
        var r = new NetlinkAttributeReader(value);
        var parts = new List<string>();
        while (r.TryRead(out var t, out var v))
        {
            parts.Add($"{t}={NlValue.U32(v)}");
        }

        return string.Join(",", parts);
    }
}
