namespace Proxy.Tests; public class PlaceholderTest { [Xunit.Fact] public void Works() {} }
