package dev.safetune.api.webhook;

import dev.safetune.api.SafetuneProperties;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.stereotype.Component;

/**
 * Where deliveries may go. The endpoint's host is resolved once per attempt and the delivery connects to exactly the
 * address checked here ({@link WebhookSender}), so a name that answers a public address to the check and an internal
 * one to the connection (DNS rebinding) gains nothing. Unless {@code safetune.webhooks.allow-private-networks} is on,
 * every address the name resolves to must be public ({@link SpecialAddresses}): otherwise a tenant could make the
 * platform POST into its own network. A refusal never says which address a name resolved to, so tenants cannot use
 * it to map the platform's internal DNS.
 */
@Component
class DestinationPolicy {
    /** How a host name becomes addresses; the system resolver outside tests. */
    @FunctionalInterface
    interface HostResolver {
        InetAddress[] resolve(String host) throws UnknownHostException;
    }

    /** The outcome of checking an endpoint's host. */
    sealed interface Destination {
        /** Deliver to this address (and no other: the name is not resolved again). */
        record Allowed(InetAddress address) implements Destination {}

        record Refused(String reason) implements Destination {}

        record Unresolved() implements Destination {}
    }

    static final String NOT_PUBLIC = "its host does not resolve to a public address";

    private final boolean allowPrivateNetworks;
    private final HostResolver resolver;

    @Autowired
    DestinationPolicy(SafetuneProperties properties) {
        this(properties.webhooks().allowPrivateNetworks(), InetAddress::getAllByName);
    }

    DestinationPolicy(boolean allowPrivateNetworks, HostResolver resolver) {
        this.allowPrivateNetworks = allowPrivateNetworks;
        this.resolver = resolver;
    }

    /** Resolves {@code url}'s host once and decides. */
    Destination check(URI url) {
        InetAddress[] addresses;
        try {
            addresses = resolver.resolve(url.getHost());
        } catch (UnknownHostException e) {
            return new Destination.Unresolved();
        }
        if (addresses.length == 0) {
            return new Destination.Unresolved();
        }
        if (!allowPrivateNetworks) {
            // One non-public answer refuses the name: which answer a client would use is not ours to predict.
            for (InetAddress address : addresses) {
                if (!SpecialAddresses.isPublic(address)) {
                    return new Destination.Refused(NOT_PUBLIC);
                }
            }
        }
        return new Destination.Allowed(addresses[0]);
    }
}
