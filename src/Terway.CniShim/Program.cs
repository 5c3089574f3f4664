using Terway.CniShim;

// The runtime execs `terway` with CNI_* set and the configuration on stdin.
using var stdin = Console.OpenStandardInput();
using var stdout = Console.OpenStandardOutput();
var plugin = new CniPlugin(Environment.GetEnvironmentVariable);
return await plugin.RunAsync(stdin, stdout, Console.Error);
