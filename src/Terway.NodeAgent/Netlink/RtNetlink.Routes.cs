using System.Buffers.Binary;
using System.Net.Sockets;

namespace Terway.NodeAgent.Netlink;

internal sealed partial class RtNetlink
{
    private static readonly NetlinkParser<RouteInfo> RouteParser = ParseRoute;

    /// <summary>Adds a route; fails with EEXIST if one with the same key exists.</summary>
    public void AddRoute(RouteInfo route) => SendRoute(Rtm.NEWROUTE, Nl.NLM_F_CREATE | Nl.NLM_F_EXCL, route);

    /// <summary>Adds the route or replaces the one with the same key (idempotent).</summary>
    public void ReplaceRoute(RouteInfo route) => SendRoute(Rtm.NEWROUTE, Nl.NLM_F_CREATE | Nl.NLM_F_REPLACE, route);

    /// <summary>Deletes a route; returns false if it was not there.</summary>
    public bool DeleteRoute(RouteInfo route)
    {
        try
        {
            SendRoute(Rtm.DELROUTE, 0, route);
            return true;
        }
        catch (NetlinkException e) when (e.IsNotFound)
        {
            return false;
        }
    }

    /// <summary>Routes of one family in one table (0 = every table).</summary>
    public List<RouteInfo> ListRoutes(AddressFamily family, uint table = Rta.RT_TABLE_MAIN)
    {
        List<RouteInfo> routes;
        try
        {
            routes = DumpRoutes(family, table);
        }
        catch (NetlinkException e) when (table != 0 && e.Errno == Interop.Errno.ENOENT)
        {
            return []; // the table does not exist (yet, or any more)
        }

        if (table != 0)
        {
            routes.RemoveAll(r => r.Table != table);
        }

        return routes;
    }

    private List<RouteInfo> DumpRoutes(AddressFamily family, uint table)
    {
        lock (Socket.Sync)
        {
            var w = Socket.Writer;
            w.Begin(Rtm.GETROUTE, Nl.NLM_F_DUMP);
            var h = w.Reserve(Rta.RtMsgSize);
            h[0] = FamilyByte(family);
            if (table != 0)
            {
                // With strict checking the kernel filters by table.
                h[4] = table < 256 ? (byte)table : Rta.RT_TABLE_UNSPEC;
                w.U32(Rta.TABLE, table);
            }

            return Socket.Dump("dump", RouteParser);
        }
    }

    internal static void BuildRoute(NetlinkMessageWriter w, ushort type, ushort flags, RouteInfo route)
    {
        var family = route.ResolvedFamily;
        var deleting = type == Rtm.DELROUTE;
        w.Begin(type, flags);
        var h = w.Reserve(Rta.RtMsgSize);
        h[0] = FamilyByte(family);
        h[1] = (byte)route.DestinationPrefix;
        h[4] = route.Table < 256 ? (byte)route.Table : Rta.RT_TABLE_UNSPEC;
        // A delete matches any protocol/scope/type unless they are given, like `ip route del`.
        h[5] = deleting ? RouteProtocol.Unspecified : route.Protocol;
        h[6] = deleting ? Scope.Nowhere : route.Scope;
        h[7] = deleting ? (byte)0 : route.Type;
        BinaryPrimitives.WriteUInt32LittleEndian(h[8..], route.OnLink ? Rta.RTNH_F_ONLINK : 0);
        w.U32(Rta.TABLE, route.Table);
        if (route.Destination is not null && route.DestinationPrefix > 0)
        {
            w.Address(Rta.DST, route.Destination);
        }

        if (route.Gateway is not null)
        {
            w.Address(Rta.GATEWAY, route.Gateway);
        }

        if (route.OutputIndex != 0)
        {
            w.U32(Rta.OIF, (uint)route.OutputIndex);
        }

        if (route.Metric is { } metric)
        {
            w.U32(Rta.PRIORITY, metric);
        }

        if (route.PreferredSource is not null)
        {
            w.Address(Rta.PREFSRC, route.PreferredSource);
        }
    }

    private void SendRoute(ushort type, ushort flags, RouteInfo route)
    {
        lock (Socket.Sync)
        {
            BuildRoute(Socket.Writer, type, flags, route);
            Socket.Execute(route);
        }
    }

    private static bool ParseRoute(in NetlinkMessage message, out RouteInfo route)
    {
        route = null!;
        if (message.Type != Rtm.NEWROUTE || message.Payload.Length < Rta.RtMsgSize)
        {
            return false;
        }

        var p = message.Payload;
        var family = FamilyOf(p[0]);
        if (family == AddressFamily.Unspecified)
        {
            return false;
        }

        uint table = p[4];
        System.Net.IPAddress? destination = null, gateway = null, preferred = null;
        int oif = 0;
        uint? metric = null;
        var attributes = new NetlinkAttributeReader(p[Rta.RtMsgSize..]);
        while (attributes.TryRead(out var type, out var value))
        {
            switch (type)
            {
                case Rta.DST: destination = NlValue.Address(value); break;
                case Rta.GATEWAY: gateway = NlValue.Address(value); break;
                case Rta.OIF: oif = NlValue.S32(value); break;
                case Rta.PRIORITY: metric = NlValue.U32(value); break;
                case Rta.PREFSRC: preferred = NlValue.Address(value); break;
                case Rta.TABLE: table = NlValue.U32(value); break;
            }
        }

        route = new RouteInfo
        {
            Family = family,
            Destination = destination,
            DestinationPrefix = p[1],
            Gateway = gateway,
            OutputIndex = oif,
            Table = table,
            Protocol = p[5],
            Scope = p[6],
            Type = p[7],
            OnLink = (BinaryPrimitives.ReadUInt32LittleEndian(p[8..]) & Rta.RTNH_F_ONLINK) != 0,
            Metric = metric,
            PreferredSource = preferred,
        };
        return true;
    }
}
