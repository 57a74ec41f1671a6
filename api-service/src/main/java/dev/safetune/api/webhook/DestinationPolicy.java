package dev.safetune.api.webhook;

import dev.safetune.api.SafetuneProperties;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.Optional;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.stereotype.Component;

/**
 * Where deliveries may go. Unless {@code safetune.webhooks.allow-private-networks} is on, an endpoint must not
 * resolve to a loopback, private, link-local (cloud metadata), unique-local or wildcard address: otherwise a tenant
 * could make the platform POST into its own network. Checked at registration and again before every attempt, since
 * DNS can change.
 */
@Component
class DestinationPolicy {
    private final boolean allowPrivateNetworks;

    @Autowired
    DestinationPolicy(SafetuneProperties properties) {
        this(properties.webhooks().allowPrivateNetworks());
    }

    DestinationPolicy(boolean allowPrivateNetworks) {
        this.allowPrivateNetworks = allowPrivateNetworks;
    }

    /** Why {@code url} may not be called now, or empty when it may. A host that does not resolve is not refused. */
    Optional<String> refusal(URI url) {
        if (allowPrivateNetworks) {
            return Optional.empty();
        }
        try {
            for (InetAddress address : InetAddress.getAllByName(url.getHost())) {
                if (isPrivate(address)) {
                    return Optional.of(
                            url.getHost() + " resolves to " + address.getHostAddress() + ", a non-public address");
                }
            }
            return Optional.empty();
        } catch (UnknownHostException e) {
            return Optional.empty();
        }
    }

    private static boolean isPrivate(InetAddress address) {
        return address.isLoopbackAddress()
                || address.isAnyLocalAddress()
                || address.isLinkLocalAddress()
                || address.isSiteLocalAddress()
                || address.isMulticastAddress()
                // fc00::/7, IPv6 unique local addresses, which isSiteLocalAddress does not cover.
                || (address instanceof Inet6Address && (address.getAddress()[0] & 0xFE) == 0xFC);
    }
}
