using Terway.Sandbox.KubeApi;

// Command dispatch for the sandbox. Each part registers one sub-command here.
if (args.Length > 0 && args[0] == "kube-api")
{
    return await KubeApiCommand.RunAsync(args[1..]).ConfigureAwait(false);
}

await Console.Error.WriteLineAsync("usage: Terway.Sandbox kube-api --listen 127.0.0.1:PORT --kubeconfig PATH [--state DIR]").ConfigureAwait(false);
return 2;
