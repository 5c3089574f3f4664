using System.Runtime.InteropServices;

namespace Terway.Sandbox.KubeApi;

/// <summary><c>kube-api --listen HOST:PORT --kubeconfig PATH [--state DIR]</c>: serve until stopped.</summary>
public static class KubeApiCommand
{
    /// <summary>Runs the emulator until SIGINT/SIGTERM; returns the process exit code.</summary>
    public static async Task<int> RunAsync(string[] args)
    {
        string listen = "127.0.0.1:6443";
        string? kubeconfig = null;
        string? state = null;
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--listen" when i + 1 < args.Length:
                    listen = args[++i];
                    break;
                case "--kubeconfig" when i + 1 < args.Length:
                    kubeconfig = args[++i];
                    break;
                case "--state" when i + 1 < args.Length:
                    state = args[++i];
                    break;
                default:
                    await Console.Error.WriteLineAsync($"unknown argument: {args[i]}").ConfigureAwait(false);
                    return 2;
            }
        }

        var colon = listen.LastIndexOf(':');
        if (colon < 0 || !int.TryParse(listen.AsSpan(colon + 1), out var port))
        {
            await Console.Error.WriteLineAsync("--listen must be HOST:PORT").ConfigureAwait(false);
            return 2;
        }

        using var stop = new CancellationTokenSource();
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, c =>
        {
            c.Cancel = true;
            stop.Cancel();
        });
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c =>
        {
            c.Cancel = true;
            stop.Cancel();
        });
        var emulator = await KubeApiEmulator.StartAsync(new KubeApiEmulatorOptions
        {
            ListenAddress = listen[..colon].Trim('[', ']'),
            Port = port,
            StateDirectory = state,
        }).ConfigureAwait(false);
        await using (emulator.ConfigureAwait(false))
        {
            if (kubeconfig != null)
            {
                emulator.WriteKubeconfig(kubeconfig);
            }

            Console.WriteLine($"kube-api emulator serving on {emulator.BaseAddress}" + (kubeconfig != null ? $"; kubeconfig: {kubeconfig}" : ""));
            try
            {
                await Task.Delay(Timeout.Infinite, stop.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                // Stopped by a signal.
            }
        }

        return 0;
    }
}
