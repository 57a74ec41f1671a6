package dev.safetune.api.webhook;

import static org.assertj.core.api.Assertions.assertThat;

import dev.safetune.api.webhook.DestinationPolicy.Destination;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Without allow-private-networks, endpoints inside the platform's (or anyone's special) networks are refused. */
class DestinationPolicyTest {
    private final DestinationPolicy policy = new DestinationPolicy(false, InetAddress::getAllByName);

    /** One address inside each IANA special-purpose block (and multicast, reserved), IPv4 then IPv6. */
    @ParameterizedTest
    @ValueSource(
            strings = {
                "0.1.2.3",
                "10.1.2.3",
                "100.64.0.1",
                "100.127.255.254",
                "127.0.0.1",
                "127.8.9.10",
                "169.254.169.254",
                "172.16.0.1",
                "172.31.255.255",
                "192.0.0.8",
                "192.0.2.1",
                "192.31.196.1",
                "192.52.193.1",
                "192.88.99.1",
                "192.168.0.10",
                "192.175.48.1",
                "198.18.0.1",
                "198.19.255.254",
                "198.51.100.7",
                "203.0.113.9",
                "224.0.0.1",
                "239.255.255.250",
                "240.0.0.1",
                "255.255.255.255",
                "[::]",
                "[::1]",
                "[::ffff:127.0.0.1]",
                "[::ffff:10.0.0.1]",
                "[::127.0.0.1]",
                "[::8.8.8.8]",
                "[64:ff9b::a00:1]",
                "[64:ff9b::808:808]",
                "[64:ff9b:1::1]",
                "[100::1]",
                "[2001::1]",
                "[2001:2::1]",
                "[2001:20::1]",
                "[2001:db8::1]",
                "[2002:a00:1::1]",
                "[2620:4f:8000::1]",
                "[3fff::1]",
                "[5f00::1]",
                "[fc00::1]",
                "[fd00::1]",
                "[fe80::1]",
                "[fec0::1]",
                "[ff02::1]"
            })
    void everySpecialPurposeAddressIsRefused(String host) {
        assertThat(policy.check(URI.create("http://" + host + "/hooks"))).isInstanceOf(Destination.Refused.class);
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "93.184.215.14",
                "100.63.255.255",
                "100.128.0.1",
                "198.17.255.255",
                "198.20.0.1",
                "[2606:4700::1111]",
                "[2a00:1450:4001::200e]"
            })
    void publicAddressesAreAllowedAndDeliveredToAsChecked(String host) throws UnknownHostException {
        Destination destination = policy.check(URI.create("https://" + host + "/hooks"));

        assertThat(destination).isEqualTo(new Destination.Allowed(InetAddress.getByName(host)));
    }

    @Test
    void aNameIsRefusedWhenAnyOfItsAddressesIsNotPublic() throws UnknownHostException {
        InetAddress[] answers = {InetAddress.getByName("93.184.215.14"), InetAddress.getByName("100.64.0.1")};
        DestinationPolicy mixed = new DestinationPolicy(false, host -> answers);

        assertThat(mixed.check(URI.create("https://hooks.example.com/x"))).isInstanceOf(Destination.Refused.class);
    }

    /** The tenant learns that the address is not public, never which internal address its name pointed at. */
    @Test
    void theRefusalDoesNotNameTheAddress() throws UnknownHostException {
        InetAddress internal = InetAddress.getByName("10.20.30.40");
        DestinationPolicy internalDns = new DestinationPolicy(false, host -> new InetAddress[] {internal});

        Destination destination = internalDns.check(URI.create("https://db.corp.example/hook"));

        assertThat(destination).isEqualTo(new Destination.Refused(DestinationPolicy.NOT_PUBLIC));
        assertThat(((Destination.Refused) destination).reason())
                .doesNotContain("10.20")
                .doesNotContain("db.corp");
    }

    /** A rebinding name answers differently each time: the address checked is the address delivered to. */
    @Test
    void eachCheckResolvesOnceAndReturnsTheAddressItChecked() throws UnknownHostException {
        InetAddress publicAddress = InetAddress.getByName("93.184.215.14");
        InetAddress loopback = InetAddress.getByName("127.0.0.1");
        AtomicInteger lookups = new AtomicInteger();
        DestinationPolicy rebinding = new DestinationPolicy(false, host ->
                new InetAddress[] {lookups.getAndIncrement() % 2 == 0 ? publicAddress : loopback});

        Destination first = rebinding.check(URI.create("https://rebind.example/hook"));
        Destination second = rebinding.check(URI.create("https://rebind.example/hook"));

        assertThat(first).isEqualTo(new Destination.Allowed(publicAddress));
        assertThat(second).isInstanceOf(Destination.Refused.class);
        assertThat(lookups).hasValue(2);
    }

    @Test
    void aNameThatDoesNotResolveIsUnresolved() {
        assertThat(policy.check(URI.create("https://nothing-here.invalid/hook")))
                .isInstanceOf(Destination.Unresolved.class);
    }

    @ParameterizedTest
    @ValueSource(strings = {"http://127.0.0.1/hooks", "http://10.1.2.3/hooks"})
    void privateAddressesAreAllowedWhenPrivateNetworksAreAllowed(String url) {
        assertThat(new DestinationPolicy(true, InetAddress::getAllByName).check(URI.create(url)))
                .isInstanceOf(Destination.Allowed.class);
    }
}
