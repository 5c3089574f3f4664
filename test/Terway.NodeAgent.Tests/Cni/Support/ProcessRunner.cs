using System.Diagnostics;

namespace Terway.NodeAgent.Tests.Cni.Support;

/// <summary>What a finished process printed.</summary>
/// <param name="ExitCode">Exit code.</param>
/// <param name="Stdout">Standard output.</param>
/// <param name="Stderr">Standard error.</param>
/// <param name="Elapsed">Wall time.</param>
internal sealed record ProcessOutcome(int ExitCode, string Stdout, string Stderr, TimeSpan Elapsed)
{
    public override string ToString() => $"exit {ExitCode} after {Elapsed.TotalMilliseconds:0} ms\nstdout: {Stdout}\nstderr: {Stderr}";
}

internal static class ProcessRunner
{
    /// <summary>Runs a process to completion (killed after <paramref name="timeout"/>).</summary>
    public static async Task<ProcessOutcome> RunAsync(string file, IEnumerable<string> args, IReadOnlyDictionary<string, string?>? env = null,
        string? stdin = null, TimeSpan? timeout = null, bool clearEnvironment = false)
    {
        var info = new ProcessStartInfo(file)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in args)
        {
            info.ArgumentList.Add(a);
        }

        if (clearEnvironment)
        {
            foreach (var key in info.Environment.Keys.ToList())
            {
                if (key != "PATH")
                {
                    info.Environment.Remove(key);
                }
            }
        }

        foreach (var (k, v) in env ?? new Dictionary<string, string?>())
        {
            info.Environment[k] = v;
        }

        var watch = Stopwatch.StartNew();
        using var process = Process.Start(info) ?? throw new InvalidOperationException($"cannot start {file}");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (stdin is not null)
        {
            await process.StandardInput.WriteAsync(stdin);
        }

        process.StandardInput.Close();
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(60));
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{file} {string.Join(' ', args)} did not finish within {timeout}");
        }

        return new ProcessOutcome(process.ExitCode, await stdout, await stderr, watch.Elapsed);
    }
}
