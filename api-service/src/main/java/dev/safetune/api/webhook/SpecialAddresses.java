package dev.safetune.api.webhook;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;

/**
 * Whether an address is an ordinary public unicast address a webhook may go to. Everything else is refused: every
 * block of IANA's IPv4 and IPv6 Special-Purpose Address Registries (RFC 6890 and its updates: private, shared/CGNAT,
 * loopback, link-local, documentation, benchmarking, NAT64, 6to4, Teredo, ...), including the few the registry marks
 * globally reachable (AS112, AMT), since no tenant's receiver lives there, plus multicast and the reserved
 * 240.0.0.0/4. For IPv6 only global unicast 2000::/3 is allowed at all, which also refuses IPv4-mapped
 * ({@code ::ffff:0:0/96}) and IPv4-compatible ({@code ::/96}) forms of any IPv4 address, public or not.
 *
 * <p>Sources: https://www.iana.org/assignments/iana-ipv4-special-registry and
 * https://www.iana.org/assignments/iana-ipv6-special-registry (both as of 2024, with RFC 9602's 5f00::/16 and RFC
 * 9637's 3fff::/20).
 */
final class SpecialAddresses {
    private static final List<Block> IPV4 = blocks(
            "0.0.0.0/8", // "this network"
            "10.0.0.0/8", // private
            "100.64.0.0/10", // shared address space (carrier-grade NAT)
            "127.0.0.0/8", // loopback
            "169.254.0.0/16", // link-local, cloud metadata
            "172.16.0.0/12", // private
            "192.0.0.0/24", // IETF protocol assignments
            "192.0.2.0/24", // documentation (TEST-NET-1)
            "192.31.196.0/24", // AS112-v4
            "192.52.193.0/24", // AMT
            "192.88.99.0/24", // deprecated 6to4 relay anycast
            "192.168.0.0/16", // private
            "192.175.48.0/24", // direct delegation AS112
            "198.18.0.0/15", // benchmarking
            "198.51.100.0/24", // documentation (TEST-NET-2)
            "203.0.113.0/24", // documentation (TEST-NET-3)
            "224.0.0.0/4", // multicast
            "240.0.0.0/4"); // reserved, and the limited broadcast 255.255.255.255

    /** Only global unicast is considered at all; these are the special blocks inside it. */
    private static final Block IPV6_GLOBAL_UNICAST = Block.parse("2000::/3");

    private static final List<Block> IPV6 = blocks(
            "2001::/23", // IETF protocol assignments: Teredo 2001::/32, benchmarking 2001:2::/48, ORCHID, ...
            "2001:db8::/32", // documentation
            "2002::/16", // 6to4: would reach whatever IPv4 address it embeds
            "2620:4f:8000::/48", // direct delegation AS112
            "3fff::/20"); // documentation

    private SpecialAddresses() {}

    /** True when {@code address} is a public unicast address (see the class comment). */
    static boolean isPublic(InetAddress address) {
        byte[] bytes = address.getAddress();
        if (address instanceof Inet4Address) {
            return IPV4.stream().noneMatch(block -> block.contains(bytes));
        }
        return IPV6_GLOBAL_UNICAST.contains(bytes) && IPV6.stream().noneMatch(block -> block.contains(bytes));
    }

    private static List<Block> blocks(String... cidrs) {
        return java.util.Arrays.stream(cidrs).map(Block::parse).toList();
    }

    /** An address block in CIDR notation: the first {@code bits} bits of {@code prefix}. */
    private record Block(byte[] prefix, int bits) {
        static Block parse(String cidr) {
            int slash = cidr.indexOf('/');
            try {
                // Literals only: getByName does no lookup for them.
                return new Block(
                        InetAddress.getByName(cidr.substring(0, slash)).getAddress(),
                        Integer.parseInt(cidr.substring(slash + 1)));
            } catch (UnknownHostException e) {
                throw new IllegalArgumentException(cidr, e);
            }
        }

        boolean contains(byte[] address) {
            if (address.length != prefix.length) {
                return false;
            }
            int full = bits / 8;
            for (int i = 0; i < full; i++) {
                if (address[i] != prefix[i]) {
                    return false;
                }
            }
            int rest = bits % 8;
            if (rest == 0) {
                return true;
            }
            int mask = (0xFF << (8 - rest)) & 0xFF;
            return (address[full] & mask) == (prefix[full] & mask);
        }
    }
}
