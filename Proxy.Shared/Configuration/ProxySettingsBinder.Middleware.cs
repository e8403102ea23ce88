namespace Proxy.Shared.Configuration;

// Binding of the middleware blocks (issue 12): proxy.defaults and, per route, request-id and transforms. A route's
// request-id inherits key by key from the defaults; a route's transforms block replaces the defaults' whole.
internal sealed partial class ProxySettingsBinder
{
    private RouteDefaults BindDefaults(HoconObjectReader proxy)
    {
        var builtIn = new RouteDefaults();
        var r = proxy.Object("defaults", "{ request-id { header = \"X-Request-ID\", generate = on } }");
        if (r is null) return builtIn;
        var defaults = new RouteDefaults
        {
            RequestId = BindRequestId(r, builtIn.RequestId),
            Transforms = BindTransforms(r),
        };
        r.ReportUnknownKeys();
        return defaults;
    }

    private RequestIdSettings BindRequestId(HoconObjectReader owner, RequestIdSettings inherited)
    {
        var r = owner.Object("request-id", "{ header = \"X-Request-ID\", generate = on }");
        if (r is null) return inherited;
        var settings = new RequestIdSettings
        {
            Enabled = r.Switch("enabled") ?? inherited.Enabled,
            Header = r.String("header") ?? inherited.Header,
            Generate = r.Switch("generate") ?? inherited.Generate,
        };
        r.ReportUnknownKeys();
        return settings;
    }

    private TransformSettings? BindTransforms(HoconObjectReader owner)
    {
        var r = owner.Object("transforms", "{ strip-prefix = \"/api\", request-headers { set { X-Env = prod } } }");
        if (r is null) return null;
        var settings = new TransformSettings
        {
            StripPrefix = r.String("strip-prefix"),
            AddPrefix = r.String("add-prefix"),
            RequestHeaders = BindHeaderTransforms(r, "request-headers"),
            ResponseHeaders = BindHeaderTransforms(r, "response-headers"),
            Query = BindQueryTransforms(r),
        };
        r.ReportUnknownKeys();
        return settings;
    }

    private HeaderTransforms BindHeaderTransforms(HoconObjectReader transforms, string key)
    {
        var r = transforms.Object(key, "{ set { X-Env = \"prod\" }, append { X-Tag = \"a\" }, remove = [ \"X-Debug\" ] }");
        if (r is null) return new HeaderTransforms();
        var result = new HeaderTransforms
        {
            Set = OrderedStringMap(r, "set", "{ X-Env = \"prod\" }"),
            Append = OrderedStringMap(r, "append", "{ X-Tag = \"a\" }"),
            Remove = r.StringOrList("remove") ?? [],
        };
        r.ReportUnknownKeys();
        return result;
    }

    private QueryTransforms BindQueryTransforms(HoconObjectReader transforms)
    {
        var r = transforms.Object("query", "{ set { lang = \"en\" }, remove = [ \"debug\" ] }");
        if (r is null) return new QueryTransforms();
        var result = new QueryTransforms
        {
            Set = OrderedStringMap(r, "set", "{ lang = \"en\" }"),
            Remove = r.StringOrList("remove") ?? [],
        };
        r.ReportUnknownKeys();
        return result;
    }

    /// <summary>A <c>{ name = value }</c> block in the order written; every value is required.</summary>
    private List<KeyValuePair<string, string>> OrderedStringMap(HoconObjectReader owner, string key, string example)
    {
        var result = new List<KeyValuePair<string, string>>();
        var r = owner.Object(key, example);
        if (r is null) return result;
        foreach (var name in r.Keys.ToList())
        {
            var value = r.Raw(name);
            if (value is null)
                problems.Add(new ConfigProblem(r.PathOf(name), "missing value"));
            else if (HoconValues.ScalarText(value, r.PathOf(name), problems, "a string") is { } text)
                result.Add(new(name, text));
        }
        return result;
    }
}
