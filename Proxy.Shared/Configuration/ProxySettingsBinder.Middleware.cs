namespace Proxy.Shared.Configuration;

// Binding of the middleware blocks (issue 12): proxy.defaults and, per route, request-id, transforms, access, auth and
// security-headers. A route's request-id inherits key by key from the defaults; its other blocks replace the defaults'
// whole.
internal sealed partial class ProxySettingsBinder
{
    private RouteMiddleware BindDefaults(HoconObjectReader proxy)
    {
        var r = proxy.Object("defaults", "{ request-id { header = \"X-Request-ID\", generate = on } }");
        if (r is null) return new RouteMiddleware();
        var defaults = BindMiddleware(r, new RouteMiddleware());
        r.ReportUnknownKeys();
        return defaults;
    }

    /// <summary>The middleware keys of a route (or of proxy.defaults) over what it inherits.</summary>
    private RouteMiddleware BindMiddleware(HoconObjectReader r, RouteMiddleware inherited) => new()
    {
        RequestId = BindRequestId(r, inherited.RequestId),
        Transforms = BindTransforms(r) ?? inherited.Transforms,
        Access = BindAccess(r) ?? inherited.Access,
        Auth = BindAuth(r) ?? inherited.Auth,
        SecurityHeaders = r.Switch("security-headers") ?? inherited.SecurityHeaders,
        Compression = BindCompression(r) ?? inherited.Compression,
        Cache = BindCache(r) ?? inherited.Cache,
        Filters = r.StringOrList("filters") ?? inherited.Filters,
    };

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

    private List<PluginSettings> BindPlugins(HoconObjectReader proxy)
    {
        var result = new List<PluginSettings>();
        var items = proxy.List("plugins");
        if (items is null) return result;
        for (var i = 0; i < items.Count; i++)
        {
            var r = HoconObjectReader.For(items[i], $"{proxy.PathOf("plugins")}[{i}]", problems,
                "{ name = stamp, assembly = \"plugins/HeaderStamp.dll\", settings { value = v1 } }");
            if (r is null)
            {
                result.Add(new PluginSettings { Name = "", Assembly = "" });
                continue;
            }
            var settings = new Dictionary<string, string>(StringComparer.Ordinal);
            if (r.Object("settings", "{ value = v1 }") is { } block) Flatten(block, "", settings);
            result.Add(new PluginSettings { Name = r.String("name") ?? "", Assembly = r.String("assembly") ?? "", Settings = settings });
            r.ReportUnknownKeys();
        }
        return result;
    }

    /// <summary>A plugin's settings as text, nested keys joined with '.'; lists are not settings (a plugin splits text).</summary>
    private void Flatten(HoconObjectReader block, string prefix, Dictionary<string, string> into)
    {
        foreach (var key in block.Keys.ToList())
        {
            var value = block.Raw(key);
            if (value is null) continue;
            if (value.IsObject() && !HoconValues.IsList(value))
            {
                if (block.Object(key, "{ … }") is { } nested) Flatten(nested, prefix + key + ".", into);
            }
            else if (HoconValues.ScalarText(value, block.PathOf(key), problems, "a string (or an object of them)") is { } text)
                into[prefix + key] = text;
        }
    }

    private CompressionSettings? BindCompression(HoconObjectReader owner)
    {
        var r = owner.Object("compression", "{ algorithms = [ br, gzip ], types = [ \"text/*\" ], min-size = 1k, level = fastest }");
        if (r is null) return null;
        var defaults = new CompressionSettings();
        var settings = new CompressionSettings
        {
            Enabled = r.Switch("enabled") ?? defaults.Enabled,
            Algorithms = r.StringOrList("algorithms") ?? defaults.Algorithms,
            Types = r.StringOrList("types") ?? defaults.Types,
            MinSize = r.ByteSize("min-size") ?? defaults.MinSize,
            Level = r.String("level") ?? defaults.Level,
        };
        r.ReportUnknownKeys();
        return settings;
    }

    private AccessSettings? BindAccess(HoconObjectReader owner)
    {
        var r = owner.Object("access", "{ allow = [ \"10.0.0.0/8\" ], deny = [ \"10.1.2.3\" ] }");
        if (r is null) return null;
        var settings = new AccessSettings
        {
            Allow = r.StringOrList("allow") ?? [],
            Deny = r.StringOrList("deny") ?? [],
            TrustedProxies = r.StringOrList("trusted-proxies") ?? [],
        };
        r.ReportUnknownKeys();
        return settings;
    }

    private AuthSettings? BindAuth(HoconObjectReader owner)
    {
        var r = owner.Object("auth", "{ api-keys { header = \"X-Api-Key\", keys-file = \"keys.txt\" } }");
        if (r is null) return null;
        var apiKeys = r.Object("api-keys", "{ header = \"X-Api-Key\", keys-file = \"keys.txt\" }");
        var basic = r.Object("basic", "{ realm = \"staff\", users-file = \"users.txt\" }");
        var settings = new AuthSettings
        {
            ApiKeys = apiKeys is null ? null : new ApiKeyAuthSettings
            {
                Header = apiKeys.String("header") ?? new ApiKeyAuthSettings().Header,
                KeysFile = apiKeys.String("keys-file") ?? "",
            },
            Basic = basic is null ? null : new BasicAuthSettings
            {
                Realm = basic.String("realm") ?? new BasicAuthSettings().Realm,
                UsersFile = basic.String("users-file") ?? "",
            },
        };
        apiKeys?.ReportUnknownKeys();
        basic?.ReportUnknownKeys();
        r.ReportUnknownKeys();
        return settings;
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
