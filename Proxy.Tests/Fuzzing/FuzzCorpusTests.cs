using Proxy.Node.Fuzzing;
using Proxy.Tests.Integration.Support;
using Xunit;

namespace Proxy.Tests.Fuzzing;

/// <summary>Issue 21, point 3: every file of the regression corpus (the seeds, and every input a fuzzing campaign
/// found crashing, once fixed) goes through its fuzz target as a normal test: no exception. CI does not fuzz.</summary>
public class FuzzCorpusTests
{
    private static string Corpus(string target) => Path.Combine(Repository.Root, "Proxy.Tests", "Fuzzing", "corpus", target);

    public static TheoryData<string, string> Inputs()
    {
        var data = new TheoryData<string, string>();
        foreach (var target in FuzzTargets.All.Keys)
        foreach (var file in Directory.EnumerateFiles(Corpus(target)).Order())
            data.Add(target, Path.GetFileName(file));
        return data;
    }

    [Theory]
    [MemberData(nameof(Inputs))]
    public async Task ACorpusInput_PassesThroughItsTarget(string target, string file)
    {
        var input = await File.ReadAllBytesAsync(Path.Combine(Corpus(target), file));
        // Some findings were hangs: a bounded wait keeps a regression from stalling the suite.
        var run = Task.Run(() => FuzzTargets.All[target](input));
        Assert.Same(run, await Task.WhenAny(run, Task.Delay(TimeSpan.FromSeconds(30))));
        await run;
    }

    [Fact]
    public void EveryTarget_HasACorpus() =>
        Assert.All(FuzzTargets.All.Keys, t => Assert.NotEmpty(Directory.EnumerateFiles(Corpus(t))));
}
