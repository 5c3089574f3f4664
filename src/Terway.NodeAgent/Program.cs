using Microsoft.Extensions.Hosting;
using Terway.NodeAgent.Agent;
using Terway.NodeAgent.Configuration;

// terway-nodeagent [--config <file>]: the DaemonSet's container command.
var configPath = NodeAgentConfigFile.DefaultPath;
for (var i = 0; i < args.Length; i++)
{
    if (args[i] is "--config" or "-c" && i + 1 < args.Length)
    {
        configPath = args[++i];
    }
    else
    {
        await Console.Error.WriteLineAsync($"unknown argument {args[i]}; usage: terway-nodeagent [--config <file>]");
        return 2;
    }
}

NodeAgentOptions options;
try
{
    var nodeName = Environment.GetEnvironmentVariable("NODE_NAME");
    options = File.Exists(configPath)
        ? NodeAgentConfigFile.Load(configPath, nodeName)
        : NodeAgentConfigFile.Parse("{}", nodeName, "defaults");
    options = options with { TestPause = TestPause.FromEnvironment(Environment.GetEnvironmentVariable(TestPause.EnvironmentVariable)) };
}
catch (Exception e) when (e is NodeAgentConfigException or IOException)
{
    await Console.Error.WriteLineAsync($"terway-nodeagent: {e.Message}");
    return 2;
}

using var host = NodeAgentHost.Create(options, inProcess: false);
await host.RunAsync();
return 0;
