namespace Proxy.Node.Cli;

/// <summary>The admin API could not be reached or answered with an error; <see cref="Exception.Message"/> is for the user.</summary>
public sealed class AdminApiException(string message, int? status = null) : Exception(message)
{
    /// <summary>HTTP status of the answer, null when there was none.</summary>
    public int? Status { get; } = status;
}
