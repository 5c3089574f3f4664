using Microsoft.Extensions.Logging;

namespace Terway.Operator.Tests.Support;

/// <summary>Logs to NUnit's progress output at the level in <c>TERWAY_TEST_LOG</c> (default Warning).</summary>
internal static class TestLogging
{
    public static ILoggerFactory Create()
    {
        var level = Enum.TryParse<LogLevel>(Environment.GetEnvironmentVariable("TERWAY_TEST_LOG"), ignoreCase: true, out var l) ? l : LogLevel.Warning;
        return LoggerFactory.Create(b => b.SetMinimumLevel(level).AddProvider(new ProgressProvider()));
    }

    private sealed class ProgressProvider : ILoggerProvider
    {
        public ILogger CreateLogger(string categoryName) => new ProgressLogger(categoryName);

        public void Dispose()
        {
        }
    }

    private sealed class ProgressLogger(string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var line = $"{DateTime.UtcNow:HH:mm:ss.fff} {logLevel,-11} {category}: {formatter(state, exception)}";
            if (exception is not null)
            {
                line += " | " + exception.GetType().Name + ": " + exception.Message;
            }

            TestContext.Progress.WriteLine(line);
        }
    }
}
