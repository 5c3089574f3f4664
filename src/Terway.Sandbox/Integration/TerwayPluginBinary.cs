using System.Diagnostics;

namespace Terway.Sandbox.Integration;

/// <summary>
/// Finds the <c>terway</c> CNI plugin (a Native AOT executable) for the sandbox and the tests: the file named by
/// <c>TERWAY_CNI_PLUGIN</c> when set; otherwise <c>artifacts/cni-shim/terway</c> of the repository the sandbox runs
/// from, published there with <c>dotnet publish src/Terway.CniShim -c Release -r linux-x64</c> when it is missing or
/// older than its sources. Publishing happens once per checkout (and again only after the plugin's sources change);
/// a lock file keeps concurrent sandboxes and test runs from publishing into the same folder at once.
/// </summary>
public static class TerwayPluginBinary
{
    /// <summary>Environment variable naming a ready <c>terway</c> binary (publishing is then skipped).</summary>
    public const string EnvironmentVariable = "TERWAY_CNI_PLUGIN";

    private static readonly SemaphoreSlim InProcess = new(1, 1);

    /// <summary>
    /// The directory holding an up-to-date <c>terway</c> binary. <paramref name="progress"/> hears about a
    /// publish before it starts and when it ends (it takes a minute or two).
    /// </summary>
    /// <exception cref="InvalidOperationException">No binary and no repository to publish it from, or publishing failed.</exception>
    public static async Task<string> DirectoryAsync(Action<string>? progress = null, CancellationToken ct = default)
    {
        if (Environment.GetEnvironmentVariable(EnvironmentVariable) is { Length: > 0 } given)
        {
            return File.Exists(given)
                ? Path.GetDirectoryName(Path.GetFullPath(given))!
                : throw new InvalidOperationException($"{EnvironmentVariable}={given}: no such file");
        }

        var root = RepositoryRoot()
            ?? throw new InvalidOperationException($"the terway CNI plugin is needed: run from the repository (it is published from src/Terway.CniShim) or set {EnvironmentVariable} to a published binary");
        await InProcess.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            return await PublishIfStaleAsync(root, progress, ct).ConfigureAwait(false);
        }
        finally
        {
            InProcess.Release();
        }
    }

    /// <summary>The repository root (the folder with <c>Terway.slnx</c>) above the working directory or this assembly, or null.</summary>
    public static string? RepositoryRoot()
    {
        foreach (var start in new[] { Environment.CurrentDirectory, AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "Terway.slnx")) && Directory.Exists(Path.Combine(dir.FullName, "src", "Terway.CniShim")))
                {
                    return dir.FullName;
                }
            }
        }

        return null;
    }

    /// <summary>True when <paramref name="binary"/> exists and is newer than every source it is built from.</summary>
    internal static bool IsFresh(string root, string binary)
    {
        if (!File.Exists(binary))
        {
            return false;
        }

        var project = Path.Combine(root, "src", "Terway.CniShim");
        var newestSource = Directory.EnumerateFiles(project, "*.*", SearchOption.AllDirectories)
            .Where(f => !f.Contains("/bin/", StringComparison.Ordinal) && !f.Contains("/obj/", StringComparison.Ordinal))
            .Where(f => f.EndsWith(".cs", StringComparison.Ordinal) || f.EndsWith(".csproj", StringComparison.Ordinal))
            .Select(File.GetLastWriteTimeUtc)
            .Append(File.GetLastWriteTimeUtc(Path.Combine(root, "Directory.Build.props")))
            .Max();
        return File.GetLastWriteTimeUtc(binary) > newestSource;
    }

    private static async Task<string> PublishIfStaleAsync(string root, Action<string>? progress, CancellationToken ct)
    {
        var artifacts = Path.Combine(root, "artifacts");
        var output = Path.Combine(artifacts, "cni-shim");
        var binary = Path.Combine(output, "terway");
        if (IsFresh(root, binary))
        {
            return output;
        }

        Directory.CreateDirectory(artifacts);
        // Another process (a test run, a second sandbox) may be publishing right now: wait for its lock, then look again.
        using var fileLock = await LockAsync(Path.Combine(artifacts, "cni-shim.lock"), ct).ConfigureAwait(false);
        if (IsFresh(root, binary))
        {
            return output;
        }

        progress?.Invoke($"publishing the terway CNI plugin (Native AOT, once; cached in {output}) …");
        var clock = Stopwatch.StartNew();
        // Its own intermediate directory: a concurrent `dotnet build` of the solution builds the same project (Debug, no RID).
        var (exitCode, text) = await RunAsync("dotnet",
            ["publish", Path.Combine(root, "src", "Terway.CniShim"), "-c", "Release", "-r", "linux-x64", "-o", output,
             "--artifacts-path", Path.Combine(artifacts, "cni-shim-build"), "--nologo", "-v", "q", "-nodeReuse:false"], ct).ConfigureAwait(false);
        if (exitCode != 0 || !File.Exists(binary))
        {
            throw new InvalidOperationException($"publishing the terway CNI plugin failed (exit code {exitCode}): {text.Trim()}");
        }

        // The publish may reuse an older build; the file's time is what the freshness check compares.
        File.SetLastWriteTimeUtc(binary, DateTime.UtcNow);
        progress?.Invoke($"published the terway CNI plugin in {clock.Elapsed.TotalSeconds:0} s ({binary})");
        return output;
    }

    private static async Task<FileStream> LockAsync(string path, CancellationToken ct)
    {
        while (true)
        {
            try
            {
                return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException)
            {
                // Held by another process: it is publishing; poll until it is done (publishing takes minutes at most).
                await Task.Delay(TimeSpan.FromMilliseconds(500), ct).ConfigureAwait(false);
            }
        }
    }

    private static async Task<(int ExitCode, string Output)> RunAsync(string file, IReadOnlyList<string> args, CancellationToken ct)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args)
        {
            start.ArgumentList.Add(a);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {file}");
        var stdout = process.StandardOutput.ReadToEndAsync(ct);
        var stderr = process.StandardError.ReadToEndAsync(ct);
        try
        {
            await process.WaitForExitAsync(ct).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        return (process.ExitCode, await stdout.ConfigureAwait(false) + await stderr.ConfigureAwait(false));
    }
}
