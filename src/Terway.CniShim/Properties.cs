// The plugin runs on Linux nodes only (unix sockets, fsync on directories, file modes).
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]
