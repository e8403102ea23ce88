using Proxy.Shared.Security;

namespace Proxy.Node.Cli;

/// <summary><c>Proxy.Node hash-password NAME</c>: reads a password from the first line of stdin (so it is not in the
/// shell history or the process list) and prints the users-file line for it (E7, <c>auth.basic.users-file</c>).</summary>
public static class HashPasswordCommand
{
    public static int Run(string[] args, TextReader input, TextWriter output, TextWriter error)
    {
        if (args is not [var name] || name.Length == 0 || name.Contains(':') || name.Any(char.IsWhiteSpace))
        {
            error.WriteLine("usage: Proxy.Node hash-password NAME   (the password on stdin; NAME without ':' or spaces)");
            return 2;
        }
        var password = input.ReadLine();
        if (string.IsNullOrEmpty(password))
        {
            error.WriteLine("no password on stdin: printf '%s\\n' \"$PASSWORD\" | Proxy.Node hash-password " + name);
            return 2;
        }
        output.WriteLine(BasicUsersFile.Line(name, password));
        return 0;
    }
}
