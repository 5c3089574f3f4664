using System.Runtime.InteropServices;
using System.Text.Json;

namespace Terway.Sandbox.Cloud;

/// <summary><c>Terway.Sandbox cloud --listen HOST:PORT [--config FILE]</c>: serve the simulated region until Ctrl-C.</summary>
internal static class CloudCommand
{
    public static async Task<int> RunAsync(string[] args)
    {
        string? listen = null;
        string? config = null;
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--listen" when i + 1 < args.Length:
                    listen = args[++i];
                    break;
                case "--config" when i + 1 < args.Length:
                    config = args[++i];
                    break;
                default:
                    await Console.Error.WriteLineAsync($"cloud: unexpected argument '{args[i]}'. Usage: cloud [--listen HOST:PORT] [--config FILE]");
                    return 2;
            }
        }

        RegionSimulatorOptions options;
        try
        {
            options = config is null ? RegionSimulatorOptions.CreateDefault() : RegionSimulatorOptions.LoadFile(config);
        }
        catch (Exception e) when (e is IOException or JsonException or ArgumentException or UnauthorizedAccessException)
        {
            await Console.Error.WriteLineAsync($"cloud: cannot load {config}: {e.Message}");
            return 1;
        }

        if (listen is not null)
        {
            options.Listen = listen;
        }

        using var stop = new CancellationTokenSource();
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, c => { c.Cancel = true; stop.Cancel(); });
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => { c.Cancel = true; stop.Cancel(); });

        RegionSimulator simulator;
        try
        {
            simulator = await RegionSimulator.StartAsync(options, stop.Token);
        }
        catch (Exception e) when (e is ArgumentException or IOException or InvalidOperationException)
        {
            await Console.Error.WriteLineAsync($"cloud: cannot start: {e.Message}");
            return 1;
        }

        await using (simulator)
        {
            var snapshot = simulator.Snapshot();
            Console.WriteLine($"Region simulator {simulator.RegionId} listening on {simulator.Endpoint}");
            Console.WriteLine($"  ECS 2014-05-26 and VPC 2016-04-28 at path /; state dump at {simulator.StateDumpUri}");
            Console.WriteLine($"  AccessKeyIds: {string.Join(", ", simulator.Credentials.Select(k => k.AccessKeyId))}");
            Console.WriteLine($"  {snapshot.Zones.Count} zones, {snapshot.VSwitches.Count} vSwitches, {snapshot.Instances.Count} instances");
            Console.WriteLine("Press Ctrl-C to stop.");
            try
            {
                await Task.Delay(Timeout.Infinite, stop.Token);
            }
            catch (OperationCanceledException)
            {
                // Ctrl-C or SIGTERM: fall through to a clean shutdown.
            }
        }

        Console.WriteLine("Stopped.");
        return 0;
    }
}
