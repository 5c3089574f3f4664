namespace Terway.Sandbox.Cloud.Model;

/// <summary>
/// Built-in instance types with the ENI limits of reference §8.1. Values the sources did not give
/// are the note's suggested defaults (IPv6 per ENI = IPv4 per ENI on g7/c7, trunk support on
/// g7/c7, EniTotalQuantity above EniQuantity for trunk-capable types) and are marked inferred here.
/// </summary>
internal static class InstanceTypeCatalog
{
    public static IReadOnlyList<InstanceTypeDefinition> BuiltIn { get; } =
    [
        // Sourced: csi-driver DescribeInstanceTypes fixture (4 / 15 / 15 / 20 / trunk).
        T("ecs.g7.xlarge", "ecs.g7", 4, 16, 4, 15, 15, 20, true),

        // 2021 family tables give EniQuantity and IPv4; IPv6, total and trunk inferred.
        T("ecs.g7.large", "ecs.g7", 2, 8, 3, 6, 6, 10, true),
        T("ecs.g7.2xlarge", "ecs.g7", 8, 32, 4, 15, 15, 30, true),
        T("ecs.c7.large", "ecs.c7", 2, 4, 3, 6, 6, 10, true),
        T("ecs.c7.xlarge", "ecs.c7", 4, 8, 4, 15, 15, 20, true),
        T("ecs.c7.2xlarge", "ecs.c7", 8, 16, 4, 15, 15, 30, true),

        // Sourced: 2021 DescribeInstanceTypes doc example (2 / 6 / 1 / 2 / no trunk).
        T("ecs.g6.large", "ecs.g6", 2, 8, 2, 6, 1, 2, false),

        // 2021 table gives EniQuantity and IPv4; IPv6 = 1 like the rest of g6, no trunk, total = EniQuantity (inferred).
        T("ecs.g6.xlarge", "ecs.g6", 4, 16, 3, 10, 1, 3, false),
        T("ecs.g6.2xlarge", "ecs.g6", 8, 32, 4, 10, 1, 4, false),

        // Sourced: DescribeInstanceTypes doc example (8 / 20 / 1 / 60 / trunk).
        T("ecs.g6.16xlarge", "ecs.g6", 64, 256, 8, 20, 1, 60, true),

        // Sourced: public Go test fixture (3 / 10 / 1 / 6 / trunk).
        T("ecs.u1-c1m4.xlarge", "ecs.u1", 4, 16, 3, 10, 1, 6, true),
    ];

    private static InstanceTypeDefinition T(
        string id, string family, int cpu, double mem, int eni, int ipv4, int ipv6, int total, bool trunk) => new()
        {
            InstanceTypeId = id,
            InstanceTypeFamily = family,
            CpuCoreCount = cpu,
            MemorySize = mem,
            EniQuantity = eni,
            EniPrivateIpAddressQuantity = ipv4,
            EniIpv6AddressQuantity = ipv6,
            EniTotalQuantity = total,
            EniTrunkSupported = trunk,
        };
}
