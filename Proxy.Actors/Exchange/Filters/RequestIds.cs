namespace Proxy.Actors.Exchange.Filters;

/// <summary>
/// UUID version 7 (RFC 9562 §5.7) text for request ids: 48 bits of Unix time in milliseconds, then 74 random bits.
/// Hand-written because <see cref="Guid.CreateVersion7()"/> draws its random bits from the OS's cryptographic source
/// on every call (a system call per request on Linux); an id only has to be unique, not unguessable, so the bits come
/// from <see cref="Random.Shared"/> (xoshiro, seeded from the OS source, per thread, no lock) and the 36 characters
/// are written straight into the one string allocated.
/// </summary>
public static class RequestIds
{
    public static string NewUuidV7()
    {
        var time = (ulong)DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var random = (ulong)Random.Shared.NextInt64();
        var more = (ulong)Random.Shared.NextInt64();
        // time_hi(32) - time_lo(16) - ver(4) rand_a(12) - var(2) rand_b(14) - rand_b(48)
        var high = (time << 16) | 0x7000UL | (random & 0x0FFF);
        var low = 0x8000_0000_0000_0000UL | (more & 0x3FFF_FFFF_FFFF_FFFFUL);
        return string.Create(36, (high, low), static (span, bits) =>
        {
            Hex(span[..8], bits.high >> 32, 8);
            span[8] = '-';
            Hex(span[9..13], bits.high >> 16, 4);
            span[13] = '-';
            Hex(span[14..18], bits.high, 4);
            span[18] = '-';
            Hex(span[19..23], bits.low >> 48, 4);
            span[23] = '-';
            Hex(span[24..], bits.low, 12);
        });
    }

    private static void Hex(Span<char> into, ulong value, int digits)
    {
        for (var i = digits - 1; i >= 0; i--)
        {
            into[i] = "0123456789abcdef"[(int)(value & 0xF)];
            value >>= 4;
        }
    }
}
