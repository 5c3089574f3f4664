using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Terway.Kube.Tests.Support;

/// <summary>Captures log messages with the scope values active when they were written.</summary>
internal sealed class CapturingLoggerProvider : ILoggerProvider, ISupportExternalScope
{
    private IExternalScopeProvider _scopes = new LoggerExternalScopeProvider();

    public ConcurrentQueue<(string Category, string Message, Dictionary<string, object?> Scope)> Entries { get; } = new();

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void SetScopeProvider(IExternalScopeProvider scopeProvider) => _scopes = scopeProvider;

    public void Dispose()
    {
    }

    private sealed class Logger(CapturingLoggerProvider owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => owner._scopes.Push(state);

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var scope = new Dictionary<string, object?>();
            owner._scopes.ForEachScope((s, dict) =>
            {
                if (s is IEnumerable<KeyValuePair<string, object>> pairs)
                {
                    foreach (var (k, v) in pairs)
                    {
                        dict[k] = v;
                    }
                }
            }, scope);
            owner.Entries.Enqueue((category, formatter(state, exception), scope));
            if (Environment.GetEnvironmentVariable("TEST_LOG") == "1")
            {
                Console.Error.WriteLine($"{DateTime.Now:HH:mm:ss.fff} {category}: {formatter(state, exception)} {exception?.Message}");
            }
        }
    }
}
