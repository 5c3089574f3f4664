namespace Terway.NodeAgent.Netlink;

// Values from the Linux UAPI headers (linux/netlink.h, rtnetlink.h, if_link.h,
// if_addr.h, fib_rules.h, neighbour.h, pkt_sched.h, pkt_cls.h, tc_act/*.h).
// Grouped per header so a reader can check them against the kernel.

/// <summary>Netlink message types and flags (linux/netlink.h).</summary>
internal static class Nl
{
    public const int NETLINK_ROUTE = 0;
    public const int SOL_NETLINK = 270;
    public const int NETLINK_EXT_ACK = 11;
    public const int NETLINK_CAP_ACK = 10;
    public const int NETLINK_GET_STRICT_CHK = 12;

    public const ushort NLMSG_NOOP = 1;
    public const ushort NLMSG_ERROR = 2;
    public const ushort NLMSG_DONE = 3;
    public const ushort NLMSG_OVERRUN = 4;

    public const ushort NLM_F_REQUEST = 0x01;
    public const ushort NLM_F_MULTI = 0x02;
    public const ushort NLM_F_ACK = 0x04;
    public const ushort NLM_F_ECHO = 0x08;
    public const ushort NLM_F_DUMP_INTR = 0x10;
    public const ushort NLM_F_DUMP = 0x300;
    public const ushort NLM_F_REPLACE = 0x100;
    public const ushort NLM_F_EXCL = 0x200;
    public const ushort NLM_F_CREATE = 0x400;
    public const ushort NLM_F_APPEND = 0x800;

    /// <summary>Flags of an NLMSG_ERROR ack: the request was not echoed (capped), TLVs follow.</summary>
    public const ushort NLM_F_CAPPED = 0x100;
    public const ushort NLM_F_ACK_TLVS = 0x200;

    public const ushort NLMSGERR_ATTR_MSG = 1;
    public const ushort NLMSGERR_ATTR_OFFS = 2;

    public const int HeaderSize = 16;
    public const ushort NLA_F_NESTED = 0x8000;
    public const ushort NLA_F_NET_BYTEORDER = 0x4000;
    public const ushort NLA_TYPE_MASK = 0x3fff;

    public static int Align(int length) => (length + 3) & ~3;
}

/// <summary>rtnetlink message types (linux/rtnetlink.h).</summary>
internal static class Rtm
{
    public const ushort NEWLINK = 16;
    public const ushort DELLINK = 17;
    public const ushort GETLINK = 18;
    public const ushort SETLINK = 19;
    public const ushort NEWADDR = 20;
    public const ushort DELADDR = 21;
    public const ushort GETADDR = 22;
    public const ushort NEWROUTE = 24;
    public const ushort DELROUTE = 25;
    public const ushort GETROUTE = 26;
    public const ushort NEWNEIGH = 28;
    public const ushort DELNEIGH = 29;
    public const ushort GETNEIGH = 30;
    public const ushort NEWRULE = 32;
    public const ushort DELRULE = 33;
    public const ushort GETRULE = 34;
    public const ushort NEWQDISC = 36;
    public const ushort DELQDISC = 37;
    public const ushort GETQDISC = 38;
    public const ushort NEWTFILTER = 44;
    public const ushort DELTFILTER = 45;
    public const ushort GETTFILTER = 46;
    public const ushort NEWNSID = 88;
    public const ushort GETNSID = 90;

    /// <summary>"RTM_NEWLINK" for error messages.</summary>
    public static string Name(ushort type) => type switch
    {
        NEWLINK => "RTM_NEWLINK",
        DELLINK => "RTM_DELLINK",
        GETLINK => "RTM_GETLINK",
        SETLINK => "RTM_SETLINK",
        NEWADDR => "RTM_NEWADDR",
        DELADDR => "RTM_DELADDR",
        GETADDR => "RTM_GETADDR",
        NEWROUTE => "RTM_NEWROUTE",
        DELROUTE => "RTM_DELROUTE",
        GETROUTE => "RTM_GETROUTE",
        NEWNEIGH => "RTM_NEWNEIGH",
        DELNEIGH => "RTM_DELNEIGH",
        GETNEIGH => "RTM_GETNEIGH",
        NEWRULE => "RTM_NEWRULE",
        DELRULE => "RTM_DELRULE",
        GETRULE => "RTM_GETRULE",
        NEWQDISC => "RTM_NEWQDISC",
        DELQDISC => "RTM_DELQDISC",
        GETQDISC => "RTM_GETQDISC",
        NEWTFILTER => "RTM_NEWTFILTER",
        DELTFILTER => "RTM_DELTFILTER",
        GETTFILTER => "RTM_GETTFILTER",
        NEWNSID => "RTM_NEWNSID",
        GETNSID => "RTM_GETNSID",
        _ => $"RTM_{type}",
    };
}

/// <summary>Link attributes and flags (linux/if_link.h, linux/if.h).</summary>
internal static class Ifla
{
    public const int IfInfoMsgSize = 16;

    public const ushort ADDRESS = 1;
    public const ushort BROADCAST = 2;
    public const ushort IFNAME = 3;
    public const ushort MTU = 4;
    public const ushort LINK = 5;
    public const ushort QDISC = 6;
    public const ushort MASTER = 10;
    public const ushort TXQLEN = 13;
    public const ushort OPERSTATE = 16;
    public const ushort LINKINFO = 18;
    public const ushort NET_NS_PID = 19;
    public const ushort IFALIAS = 20;
    public const ushort NET_NS_FD = 28;
    public const ushort EXT_MASK = 29;
    public const ushort LINK_NETNSID = 37;
    public const ushort TARGET_NETNSID = 46;

    public const ushort INFO_KIND = 1;
    public const ushort INFO_DATA = 2;
    public const ushort INFO_SLAVE_KIND = 4;

    public const ushort VETH_INFO_PEER = 1;

    public const ushort VLAN_ID = 1;
    public const ushort VLAN_PROTOCOL = 5;

    public const ushort MACVLAN_MODE = 1;

    public const ushort IPVLAN_MODE = 1;
    public const ushort IPVLAN_FLAGS = 2;

    public const uint RTEXT_FILTER_VF = 1;
    public const uint RTEXT_FILTER_SKIP_STATS = 8;

    public const uint IFF_UP = 0x1;
    public const uint IFF_BROADCAST = 0x2;
    public const uint IFF_LOOPBACK = 0x8;
    public const uint IFF_NOARP = 0x80;
    public const uint IFF_LOWER_UP = 0x10000;
}

/// <summary>Address attributes (linux/if_addr.h).</summary>
internal static class Ifa
{
    public const int IfAddrMsgSize = 8;

    public const ushort ADDRESS = 1;
    public const ushort LOCAL = 2;
    public const ushort LABEL = 3;
    public const ushort BROADCAST = 4;
    public const ushort FLAGS = 8;

    public const uint F_NODAD = 0x02;
    public const uint F_TENTATIVE = 0x40;
    public const uint F_PERMANENT = 0x80;
    public const uint F_NOPREFIXROUTE = 0x200;
}

/// <summary>Route attributes and header values (linux/rtnetlink.h).</summary>
internal static class Rta
{
    public const int RtMsgSize = 12;

    public const ushort DST = 1;
    public const ushort SRC = 2;
    public const ushort IIF = 3;
    public const ushort OIF = 4;
    public const ushort GATEWAY = 5;
    public const ushort PRIORITY = 6;
    public const ushort PREFSRC = 7;
    public const ushort METRICS = 8;
    public const ushort TABLE = 15;

    public const uint RTNH_F_ONLINK = 4;

    public const byte RTN_UNICAST = 1;
    public const byte RTN_LOCAL = 2;
    public const byte RTN_BROADCAST = 3;
    public const byte RTN_MULTICAST = 5;

    public const byte RT_TABLE_UNSPEC = 0;
    public const byte RT_TABLE_MAIN = 254;
    public const byte RT_TABLE_LOCAL = 255;
}

/// <summary>Policy rule attributes (linux/fib_rules.h).</summary>
internal static class Fra
{
    public const int FibRuleHdrSize = 12;

    public const ushort DST = 1;
    public const ushort SRC = 2;
    public const ushort IIFNAME = 3;
    public const ushort GOTO = 4;
    public const ushort PRIORITY = 6;
    public const ushort FWMARK = 10;
    public const ushort FLOW = 11;
    public const ushort TABLE = 15;
    public const ushort FWMASK = 16;
    public const ushort OIFNAME = 17;
    public const ushort PROTOCOL = 21;

    public const byte FR_ACT_TO_TBL = 1;
}

/// <summary>Neighbour attributes and states (linux/neighbour.h).</summary>
internal static class Nda
{
    public const int NdMsgSize = 12;

    public const ushort DST = 1;
    public const ushort LLADDR = 2;
    public const ushort IFINDEX = 8;

    public const ushort NUD_INCOMPLETE = 0x01;
    public const ushort NUD_REACHABLE = 0x02;
    public const ushort NUD_STALE = 0x04;
    public const ushort NUD_NOARP = 0x40;
    public const ushort NUD_PERMANENT = 0x80;
}

/// <summary>Traffic-control attributes and handles (linux/rtnetlink.h, pkt_sched.h, pkt_cls.h).</summary>
internal static class Tca
{
    public const int TcMsgSize = 20;

    public const ushort KIND = 1;
    public const ushort OPTIONS = 2;
    public const ushort CHAIN = 11;

    public const uint TC_H_ROOT = 0xFFFFFFFF;
    public const uint TC_H_CLSACT = 0xFFFFFFF1;
    public const uint TC_H_MIN_INGRESS = 0xFFF2;
    public const uint TC_H_MIN_EGRESS = 0xFFF3;
    public const uint ClsactHandle = 0xFFFF0000;

    public static uint MakeHandle(uint major, uint minor) => (major & 0xFFFF0000) | (minor & 0x0000FFFF);

    // u32 classifier
    public const ushort U32_CLASSID = 1;
    public const ushort U32_HASH = 2;
    public const ushort U32_LINK = 3;
    public const ushort U32_DIVISOR = 4;
    public const ushort U32_SEL = 5;
    public const ushort U32_ACT = 7;
    public const ushort U32_FLAGS = 11;
    public const byte TC_U32_TERMINAL = 1;

    // cls_bpf
    public const ushort BPF_ACT = 1;
    public const ushort BPF_CLASSID = 3;
    public const ushort BPF_FD = 6;
    public const ushort BPF_NAME = 7;
    public const ushort BPF_FLAGS = 8;
    public const ushort BPF_FLAGS_GEN = 9;
    public const ushort BPF_TAG = 10;
    public const ushort BPF_ID = 11;
    public const uint TCA_BPF_FLAG_ACT_DIRECT = 1;

    // actions
    public const ushort ACT_KIND = 1;
    public const ushort ACT_OPTIONS = 2;
    public const ushort ACT_INDEX = 3;

    // mirred
    public const ushort MIRRED_PARMS = 2;
    public const int TcMirredSize = 28;
    public const int TCA_EGRESS_REDIR = 1;
    public const int TCA_EGRESS_MIRROR = 2;
    public const int TCA_INGRESS_REDIR = 3;
    public const int TCA_INGRESS_MIRROR = 4;

    // generic action verdicts (pkt_cls.h)
    public const int TC_ACT_UNSPEC = -1;
    public const int TC_ACT_OK = 0;
    public const int TC_ACT_SHOT = 2;
    public const int TC_ACT_PIPE = 3;
    public const int TC_ACT_STOLEN = 4;
    public const int TC_ACT_REDIRECT = 7;
}

/// <summary>Ethernet protocol numbers (linux/if_ether.h), host order.</summary>
internal static class EtherType
{
    public const ushort All = 0x0003;
    public const ushort IPv4 = 0x0800;
    public const ushort Arp = 0x0806;
    public const ushort Vlan8021Q = 0x8100;
    public const ushort IPv6 = 0x86DD;
}
