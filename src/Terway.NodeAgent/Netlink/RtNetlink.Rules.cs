using System.Net.Sockets;

namespace Terway.NodeAgent.Netlink;

internal sealed partial class RtNetlink
{
    private static readonly NetlinkParser<RuleInfo> RuleParser = ParseRule;

    /// <summary>Adds a rule; returns false if an identical rule already exists.</summary>
    public bool AddRule(RuleInfo rule)
    {
        try
        {
            lock (Socket.Sync)
            {
                BuildRule(Socket.Writer, Rtm.NEWRULE, Nl.NLM_F_CREATE | Nl.NLM_F_EXCL, rule);
                Socket.Execute(rule);
            }

            return true;
        }
        catch (NetlinkException e) when (e.IsExists)
        {
            return false;
        }
    }

    /// <summary>Deletes a rule matching every field given; returns false if none matched.</summary>
    public bool DeleteRule(RuleInfo rule)
    {
        try
        {
            lock (Socket.Sync)
            {
                BuildRule(Socket.Writer, Rtm.DELRULE, 0, rule);
                Socket.Execute(rule);
            }

            return true;
        }
        catch (NetlinkException e) when (e.IsNotFound)
        {
            return false;
        }
    }

    /// <summary>Deletes every copy of a rule (duplicates can exist from older runs); returns how many.</summary>
    public int DeleteRuleAll(RuleInfo rule)
    {
        var deleted = 0;
        while (deleted < 64 && DeleteRule(rule))
        {
            deleted++;
        }

        return deleted;
    }

    public List<RuleInfo> ListRules(AddressFamily family)
    {
        lock (Socket.Sync)
        {
            var w = Socket.Writer;
            w.Begin(Rtm.GETRULE, Nl.NLM_F_DUMP);
            var h = w.Reserve(Fra.FibRuleHdrSize);
            h[0] = FamilyByte(family);
            return Socket.Dump("dump", RuleParser);
        }
    }

    internal static void BuildRule(NetlinkMessageWriter w, ushort type, ushort flags, RuleInfo rule)
    {
        w.Begin(type, flags);
        var h = w.Reserve(Fra.FibRuleHdrSize);
        h[0] = FamilyByte(rule.Family);
        h[1] = (byte)(rule.Destination is null ? 0 : rule.DestinationPrefix);
        h[2] = (byte)(rule.Source is null ? 0 : rule.SourcePrefix);
        h[4] = rule.Table is > 0 and < 256 ? (byte)rule.Table : Rta.RT_TABLE_UNSPEC;
        h[7] = rule.Action;
        if (rule.Priority != 0)
        {
            w.U32(Fra.PRIORITY, rule.Priority);
        }

        if (rule.Table != 0)
        {
            w.U32(Fra.TABLE, rule.Table);
        }

        if (rule.Source is not null)
        {
            w.Address(Fra.SRC, rule.Source);
        }

        if (rule.Destination is not null)
        {
            w.Address(Fra.DST, rule.Destination);
        }

        if (rule.InputInterface is not null)
        {
            w.String(Fra.IIFNAME, rule.InputInterface);
        }

        if (rule.OutputInterface is not null)
        {
            w.String(Fra.OIFNAME, rule.OutputInterface);
        }
    }

    private static bool ParseRule(in NetlinkMessage message, out RuleInfo rule)
    {
        rule = null!;
        if (message.Type != Rtm.NEWRULE || message.Payload.Length < Fra.FibRuleHdrSize)
        {
            return false;
        }

        var p = message.Payload;
        var family = FamilyOf(p[0]);
        uint table = p[4], priority = 0;
        System.Net.IPAddress? source = null, destination = null;
        string? iif = null, oif = null;
        var attributes = new NetlinkAttributeReader(p[Fra.FibRuleHdrSize..]);
        while (attributes.TryRead(out var type, out var value))
        {
            switch (type)
            {
                case Fra.PRIORITY: priority = NlValue.U32(value); break;
                case Fra.TABLE: table = NlValue.U32(value); break;
                case Fra.SRC: source = NlValue.Address(value); break;
                case Fra.DST: destination = NlValue.Address(value); break;
                case Fra.IIFNAME: iif = NlValue.String(value); break;
                case Fra.OIFNAME: oif = NlValue.String(value); break;
            }
        }

        rule = new RuleInfo
        {
            Family = family,
            Priority = priority,
            Table = table,
            Source = source,
            SourcePrefix = p[2],
            Destination = destination,
            DestinationPrefix = p[1],
            InputInterface = iif,
            OutputInterface = oif,
            Action = p[7],
        };
        return true;
    }
}
