using Terway.Sandbox.Cli;
using Terway.Sandbox.Cloud;
using Terway.Sandbox.KubeApi;

namespace Terway.Sandbox;

/// <summary>Entry point: the sandbox (no command, options only) or one of its parts on its own.</summary>
internal static class Program
{
    private static readonly string Usage = """
        Usage: Terway.Sandbox [options]            the whole sandbox (see below)
               Terway.Sandbox <command> [options]  one part on its own

        Options of the sandbox:
        """ + "\n" + SandboxCommand.Usage + "\n" + """

        Commands:
          cloud     Serve a simulated Alibaba Cloud region (ECS + VPC OpenAPI) on loopback.
                    --listen HOST:PORT   address to bind (default 127.0.0.1:0 = any free port)
                    --config FILE        region definition (JSON); default: cn-hangzhou sandbox region
          kube-api  Serve the strict Kubernetes API emulator over HTTPS until stopped.
                    --listen HOST:PORT   address to bind (default 127.0.0.1:6443)
                    --kubeconfig PATH    write an admin kubeconfig kubectl uses as is
                    --state DIR          keep the CA and admin token across restarts
        """;

    public static async Task<int> Main(string[] args)
    {
        if (args.Length > 0 && args[0] is "-h" or "--help" or "help")
        {
            Console.WriteLine(Usage);
            return 0;
        }

        if (args.Length == 0 || args[0].StartsWith("--", StringComparison.Ordinal))
        {
            return await SandboxCommand.RunAsync(args);
        }

        return args[0] switch
        {
            "cloud" => await CloudCommand.RunAsync(args[1..]),
            "kube-api" => await KubeApiCommand.RunAsync(args[1..]),
            _ => Unknown(args[0]),
        };
    }

    private static int Unknown(string command)
    {
        Console.Error.WriteLine($"Unknown command '{command}'.");
        Console.Error.WriteLine(Usage);
        return 2;
    }
}
