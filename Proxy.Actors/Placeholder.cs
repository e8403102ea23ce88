namespace Proxy.Actors; public static class Placeholder {}
