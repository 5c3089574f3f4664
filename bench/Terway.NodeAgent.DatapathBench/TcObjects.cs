using System.Globalization;

namespace Terway.NodeAgent.DatapathBench;

/// <summary>
/// For the tc command run of the trunk mode: the same push/pop programs written in C and built
/// with clang, one object per pod (the pod IP and VLAN are compile-time constants, as in the
/// programs the library emits). Built before timing starts; tc only loads and attaches them.
/// </summary>
internal static class TcObjects
{
    private const string Source = """
        #include <linux/bpf.h>
        #include <linux/pkt_cls.h>
        #include <bpf/bpf_helpers.h>

        #define ETH_HLEN 14

        SEC("push")
        int vlan_push(struct __sk_buff *skb)
        {
            __u32 addr;
            if (skb->protocol != __builtin_bswap16(0x0800) || skb->vlan_present)
                return TC_ACT_UNSPEC;
            if (bpf_skb_load_bytes(skb, ETH_HLEN + 12, &addr, 4) || addr != POD_IP)
                return TC_ACT_UNSPEC;
            return bpf_skb_vlan_push(skb, __builtin_bswap16(0x8100), VID) ? TC_ACT_SHOT : TC_ACT_OK;
        }

        SEC("pop")
        int vlan_pop(struct __sk_buff *skb)
        {
            __u32 addr;
            if (skb->protocol != __builtin_bswap16(0x0800))
                return TC_ACT_UNSPEC;
            if (bpf_skb_load_bytes(skb, ETH_HLEN + 16, &addr, 4) || addr != POD_IP)
                return TC_ACT_UNSPEC;
            if (!skb->vlan_present || (skb->vlan_tci & 0x0fff) != VID)
                return TC_ACT_SHOT;
            return bpf_skb_vlan_pop(skb) ? TC_ACT_SHOT : TC_ACT_OK;
        }

        char _license[] SEC("license") = "Dual BSD/GPL";
        """;

    /// <summary>Paths of one object per pod, or null when clang or the libbpf headers are missing.</summary>
    public static async Task<IReadOnlyList<string>?> CompileAsync(Lab lab, int count)
    {
        if (!File.Exists("/usr/bin/clang") || !File.Exists("/usr/include/bpf/bpf_helpers.h"))
        {
            return null;
        }

        var directory = lab.ScratchDirectory("tc");
        var source = Path.Combine(directory, "vlan.c");
        await File.WriteAllTextAsync(source, Source);
        var objects = Enumerable.Range(0, count).Select(i => Path.Combine(directory, $"pod{i}.o")).ToList();
        await Parallel.ForEachAsync(Enumerable.Range(0, count), new ParallelOptions { MaxDegreeOfParallelism = 2 }, async (i, _) =>
        {
            var ip = Runs.MemberIP(i).GetAddressBytes();
            var asLoaded = BitConverter.ToUInt32(ip); // the u32 the program reads from the packet
            await Cmd.RunAsync("clang", "-O2", "-g0", "-target", "bpf", "-I/usr/include/x86_64-linux-gnu",
                $"-DPOD_IP=0x{asLoaded.ToString("x8", CultureInfo.InvariantCulture)}u", $"-DVID={Runs.Vlan(i)}",
                "-c", source, "-o", objects[i]);
        });
        return objects;
    }
}
