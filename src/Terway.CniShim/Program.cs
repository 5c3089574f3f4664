using Terway.CniShim;

// The runtime execs `terway` with CNI_* set and the configuration on stdin. Everything runs on the
// main thread: no thread pool, so start-up stays close to the runtime's minimum.
using var stdin = Console.OpenStandardInput();
using var stdout = Console.OpenStandardOutput();
return new CniPlugin(Environment.GetEnvironmentVariable).Run(stdin, stdout, Console.Error);
